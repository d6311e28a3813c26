import { createWriteStream, readFileSync, mkdirSync, renameSync } from 'node:fs';
import { writeFileAtomic } from '../node/storage/atomic.js';
import { once } from 'node:events';
import path from 'node:path';
import {
  REPORT_FILES,
  REPORT_HEADERS,
  q1Line,
  renderQ2BestSelling,
  renderQ2MostProfit,
  renderQ3,
  renderQ4,
} from '../queries/report-format.js';
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

/** Writes the five report files (via temp names, so a file either is whole or absent). */
export async function writeReports(collector: ResultCollector, outDir: string): Promise<void> {
  mkdirSync(outDir, { recursive: true });
  const put = (file: string, content: string): void => writeFileAtomic(path.join(outDir, file), content);
  put(REPORT_FILES.q2BestSelling, renderQ2BestSelling(collector.q2.map(([yearMonth, itemName, qty]) => ({ yearMonth, itemName, qty }))));
  put(
    REPORT_FILES.q2MostProfit,
    renderQ2MostProfit(collector.q2.map(([yearMonth, , , itemName, cents]) => ({ yearMonth, itemName, cents }))),
  );
  put(REPORT_FILES.q3, renderQ3(collector.q3.map(([half, storeId, storeName, cents]) => ({ half, storeId, storeName, cents }))));
  put(
    REPORT_FILES.q4,
    renderQ4(
      collector.q4.map(([storeId, storeName, userId, birthdate, purchases]) => ({ storeId, storeName, userId, birthdate, purchases })),
    ),
  );
  await writeQ1(collector, path.join(outDir, REPORT_FILES.q1));
}

/** K-way merge of the partitions' sorted runs (byte order of ids, then amount), streamed. */
async function writeQ1(collector: ResultCollector, file: string): Promise<void> {
  const tmp = `${file}.tmp`;
  const out = createWriteStream(tmp);
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
      if (!out.write(buf)) await once(out, 'drain');
      buf = '';
    }
  }
  out.end(buf);
  await once(out, 'finish');
  renameSync(tmp, file);
}
