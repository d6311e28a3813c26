import { readFileSync } from 'node:fs';
import { REPORT_HEADERS, renderQ2BestSelling, renderQ2MostProfit, renderQ3, renderQ4, writeQ1Row } from '../queries/report-format.js';
import { writeReports } from '../queries/report-writer.js';
import { q1RowIdEnd } from '../protocol/payloads/q1-rows.js';
import type { ResultCollector } from './results.js';

/**
 * One partition's sorted Q1 run, read chunk by chunk from the spool; the current row is a byte
 * range of the chunk (`idStart`..`idEnd`, `cents`), read in place: no object per row.
 */
class RunCursor {
  chunk: Buffer = Buffer.alloc(0);
  idStart = 0;
  idEnd = 0;
  cents = 0;
  done = false;
  private off = 0;
  private next = 0;

  constructor(
    private readonly collector: ResultCollector,
    private readonly p: number,
    private readonly ks: number[],
  ) {
    this.ks.sort((a, b) => a - b);
    this.read();
  }

  pop(): void {
    this.off = this.idEnd + 4;
    this.read();
  }

  /** Reads the row at `off`, moving to the next non-empty chunk at a chunk's end. */
  private read(): void {
    while (this.off >= this.chunk.length) {
      if (this.next >= this.ks.length) {
        this.done = true;
        return;
      }
      this.chunk = readFileSync(this.collector.chunkFile(this.p, this.ks[this.next++]));
      this.off = 0;
    }
    this.idStart = this.off + 1;
    this.idEnd = q1RowIdEnd(this.chunk, this.off);
    this.cents = this.chunk.readInt32LE(this.idEnd);
  }

  /** Whether this run's row sorts before `o`'s: ids in byte order, then the amount. */
  before(o: RunCursor): boolean {
    const c = this.chunk.compare(o.chunk, o.idStart, o.idEnd, this.idStart, this.idEnd);
    return c < 0 || (c === 0 && this.cents < o.cents);
  }
}

/** Output chunks of about this size; a row needs far less than the margin (an id is at most 255 bytes). */
const Q1_CHUNK_BYTES = 1 << 16;
const Q1_ROW_MARGIN = 4096;

/** Writes the five report files from the collected results (through the one report writer). */
export async function writeCollectedReports(collector: ResultCollector, outDir: string): Promise<void> {
  await writeReports(outDir, {
    q1: q1Chunks(collector),
    q2BestSelling: renderQ2BestSelling(collector.q2.map(([yearMonth, itemName, qty]) => ({ yearMonth, itemName, qty }))),
    q2MostProfit: renderQ2MostProfit(collector.q2.map(([yearMonth, , , itemName, cents]) => ({ yearMonth, itemName, cents }))),
    q3: renderQ3(collector.q3.map(([half, storeId, storeName, cents]) => ({ half, storeId, storeName, cents }))),
    q4: renderQ4(
      collector.q4.map(([storeId, storeName, userId, birthdate, purchases]) => ({ storeId, storeName, userId, birthdate, purchases })),
    ),
  });
}

/**
 * Q1 as file chunks: a k-way merge of the partitions' sorted runs (byte order of ids, then
 * amount), written as bytes. An id of plain ASCII that needs no CSV quoting (a UUID) is copied
 * as it stands and the amount written digit by digit; any other id goes through `q1Line`, the
 * reference's own text, so the file is the same byte for byte. On the way to the report: at
 * scale 1 (313 k rows) strings per row cost ~0.25 s after the last result (issue 11).
 */
function* q1Chunks(collector: ResultCollector): Generator<Buffer> {
  const runs = [...collector.q1Chunks].map(([p, ks]) => new RunCursor(collector, p, ks)).filter((r) => !r.done);
  let out = Buffer.allocUnsafe(Q1_CHUNK_BYTES + Q1_ROW_MARGIN);
  let pos = out.write(`${REPORT_HEADERS.q1}\n`, 0, 'utf8');
  while (runs.length > 0) {
    let best = 0;
    for (let r = 1; r < runs.length; r++) if (runs[r].before(runs[best])) best = r;
    const run = runs[best];
    pos = writeQ1Row(out, pos, run.chunk, run.idStart, run.idEnd, run.cents);
    run.pop();
    if (run.done) runs.splice(best, 1);
    if (pos > Q1_CHUNK_BYTES) {
      yield out.subarray(0, pos);
      out = Buffer.allocUnsafe(Q1_CHUNK_BYTES + Q1_ROW_MARGIN);
      pos = 0;
    }
  }
  yield out.subarray(0, pos);
}
