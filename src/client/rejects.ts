import { createWriteStream, rmSync, type WriteStream } from 'node:fs';
import path from 'node:path';
import type { RejectedRow } from '../dataset/rows.js';
import { csvField } from '../queries/report-format.js';

/** Rejected rows go to `<out>/rejected_rows.csv` (file,line,reason), opened only if there is one. */
export class RejectsFile {
  private stream: WriteStream | undefined;
  count = 0;
  readonly file: string;

  constructor(outDir: string) {
    this.file = path.join(outDir, 'rejected_rows.csv');
    // A file left by an earlier run into the same folder would describe other data.
    rmSync(this.file, { force: true });
  }

  add(rows: readonly RejectedRow[]): void {
    if (rows.length === 0) return;
    if (!this.stream) {
      this.stream = createWriteStream(this.file);
      this.stream.write('file,line,reason\n');
    }
    let chunk = '';
    for (const r of rows) chunk += `${csvField(r.file)},${r.line},${csvField(r.reason)}\n`;
    this.stream.write(chunk);
    this.count += rows.length;
  }

  close(): Promise<string | null> {
    const s = this.stream;
    if (!s) return Promise.resolve(null);
    return new Promise((resolve) => s.end(() => resolve(this.file)));
  }
}
