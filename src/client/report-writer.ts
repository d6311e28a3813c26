import { readFileSync } from 'node:fs';
import { REPORT_HEADERS, q1Line, renderQ2BestSelling, renderQ2MostProfit, renderQ3, renderQ4 } from '../queries/report-format.js';
import { writeReports } from '../queries/report-writer.js';
import { forEachQ1Row } from '../protocol/payloads/q1-rows.js';
import type { ResultCollector } from './results.js';

/** One partition's sorted Q1 run, read chunk by chunk from the spool. */
class RunCursor {
  private chunk: Buffer = Buffer.alloc(0);
  private starts: number[] = [];
  private i = 0;
  private next = 0;

  constructor(
    private readonly collector: ResultCollector,
    private readonly p: number,
    private readonly ks: number[],
  ) {
    this.ks.sort((a, b) => a - b);
    this.advance();
  }

  private advance(): void {
    while (this.i >= this.starts.length && this.next < this.ks.length) {
      this.chunk = readFileSync(this.collector.chunkFile(this.p, this.ks[this.next++]));
      this.starts = [];
      this.i = 0;
      forEachQ1Row(this.chunk, (s) => this.starts.push(s));
    }
  }

  get done(): boolean {
    return this.i >= this.starts.length;
  }
  get id(): Buffer {
    const s = this.starts[this.i];
    return this.chunk.subarray(s, s + this.chunk[s - 1]);
  }
  get cents(): number {
    const s = this.starts[this.i];
    return this.chunk.readInt32LE(s + this.chunk[s - 1]);
  }
  pop(): void {
    this.i++;
    this.advance();
  }
}

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

/** Q1 as text chunks: a k-way merge of the partitions' sorted runs (byte order of ids, then amount). */
function* q1Chunks(collector: ResultCollector): Generator<string> {
  const runs = [...collector.q1Chunks].map(([p, ks]) => new RunCursor(collector, p, ks)).filter((r) => !r.done);
  let buf = `${REPORT_HEADERS.q1}\n`;
  while (runs.length > 0) {
    let best = 0;
    for (let r = 1; r < runs.length; r++) {
      const c = Buffer.compare(runs[r].id, runs[best].id);
      if (c < 0 || (c === 0 && runs[r].cents < runs[best].cents)) best = r;
    }
    const run = runs[best];
    buf += q1Line(run.id.toString('utf8'), run.cents);
    run.pop();
    if (run.done) runs.splice(best, 1);
    if (buf.length > 1 << 16) {
      yield buf;
      buf = '';
    }
  }
  yield buf;
}
