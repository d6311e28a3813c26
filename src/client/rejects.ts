import { createReadStream, createWriteStream, rmSync, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import path from 'node:path';
import type { RejectedRow } from '../dataset/rows.js';
import { TABLES, type TableName } from '../dataset/tables.js';
import { csvField } from '../queries/report-format.js';

/**
 * Rejected rows go to `<out>/rejected_rows.csv` (file,line,reason), opened only if there is one,
 * in table order, then file and line order. Tables read at the same time (a reader process)
 * each write a part file of their own, joined in table order at close, so the file is the
 * same whichever way the dataset was read.
 */
export class RejectsFile {
  private stream: WriteStream | undefined;
  /** Part files by table, then by source within the table (`add`'s `part`). */
  private readonly parts = new Map<TableName, Map<number, { file: string; stream: WriteStream }>>();
  private partsMode = false;
  count = 0;
  readonly file: string;

  constructor(outDir: string) {
    this.file = path.join(outDir, 'rejected_rows.csv');
    // A file left by an earlier run into the same folder would describe other data.
    rmSync(this.file, { force: true });
  }

  /** From now on each table's rejects go to a part file of its own (call before any add). */
  perTable(): void {
    this.partsMode = true;
  }

  /** Rows rejected in `table`; `part` orders the sources of one table read at the same time (its earlier files first). */
  add(rows: readonly RejectedRow[], table: TableName, part = 0): void {
    if (rows.length === 0) return;
    let chunk = '';
    for (const r of rows) chunk += `${csvField(r.file)},${r.line},${csvField(r.reason)}\n`;
    this.target(table, part).write(chunk);
    this.count += rows.length;
  }

  async close(): Promise<string | null> {
    for (const table of TABLES) {
      const byPart = this.parts.get(table);
      if (!byPart) continue;
      for (const k of [...byPart.keys()].sort((a, b) => a - b)) {
        const part = byPart.get(k)!;
        part.stream.end();
        await once(part.stream, 'close');
        const main = this.main();
        for await (const chunk of createReadStream(part.file)) if (!main.write(chunk)) await once(main, 'drain');
        rmSync(part.file, { force: true });
      }
    }
    this.parts.clear();
    const s = this.stream;
    if (!s) return null;
    return new Promise((resolve) => s.end(() => resolve(this.file)));
  }

  /** A failed run: removes the part files (the main file stays, as far as it got). */
  discardParts(): void {
    for (const byPart of this.parts.values())
      for (const part of byPart.values()) {
        part.stream.destroy();
        rmSync(part.file, { force: true });
      }
    this.parts.clear();
  }

  private target(table: TableName, k: number): WriteStream {
    if (!this.partsMode) return this.main();
    let byPart = this.parts.get(table);
    if (!byPart) this.parts.set(table, (byPart = new Map<number, { file: string; stream: WriteStream }>()));
    let part = byPart.get(k);
    if (!part) {
      const file = path.join(path.dirname(this.file), `.rejected_rows.${table}.${k}.${process.pid}.part`);
      part = { file, stream: createWriteStream(file) };
      byPart.set(k, part);
    }
    return part.stream;
  }

  private main(): WriteStream {
    if (!this.stream) {
      this.stream = createWriteStream(this.file);
      this.stream.write('file,line,reason\n');
    }
    return this.stream;
  }
}
