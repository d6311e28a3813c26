import { openSync, writeSync, fdatasyncSync, closeSync, readFileSync, existsSync, rmSync, fsyncSync, mkdirSync, ftruncateSync } from 'node:fs';
import path from 'node:path';
import { crc32 } from 'node:zlib';

/**
 * An append-only log of records, each `u32 length | u32 crc32 | bytes`. Appends are
 * group-committed: records written within one tick share one write + fdatasync, and each
 * append's promise resolves only once its record is on disk. Reading stops at the first
 * torn or corrupt record (a crash mid-write), which is then truncated by the next append.
 */
export class WriteAheadLog {
  private fd: number | undefined;
  private pending: Buffer[] = [];
  private waiters: Array<{ resolve: () => void; reject: (e: unknown) => void }> = [];
  private scheduled = false;
  private validLength = 0;

  constructor(readonly file: string) {}

  /** Reads every intact record (call before the first append). */
  readAll(): Buffer[] {
    const out: Buffer[] = [];
    if (!existsSync(this.file)) return out;
    const data = readFileSync(this.file);
    let off = 0;
    while (off + 8 <= data.length) {
      const len = data.readUInt32LE(off);
      const sum = data.readUInt32LE(off + 4);
      if (off + 8 + len > data.length) break;
      const rec = data.subarray(off + 8, off + 8 + len);
      if (crc32(rec) !== sum) break;
      out.push(rec);
      off += 8 + len;
    }
    this.validLength = off;
    return out;
  }

  append(record: Buffer): Promise<void> {
    const head = Buffer.allocUnsafe(8);
    head.writeUInt32LE(record.length, 0);
    head.writeUInt32LE(crc32(record), 4);
    this.pending.push(head, record);
    const p = new Promise<void>((resolve, reject) => this.waiters.push({ resolve, reject }));
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
    return p;
  }

  private flush(): void {
    this.scheduled = false;
    const bufs = this.pending;
    const waiters = this.waiters;
    this.pending = [];
    this.waiters = [];
    try {
      if (this.fd === undefined) {
        mkdirSync(path.dirname(this.file), { recursive: true });
        // Opening r+ at the last valid offset drops a torn tail left by a crash.
        const existed = existsSync(this.file);
        this.fd = openSync(this.file, existed ? 'r+' : 'w');
        if (existed) ftruncateSync(this.fd, this.validLength);
      }
      const all = Buffer.concat(bufs);
      let off = 0;
      while (off < all.length) off += writeSync(this.fd, all, off, all.length - off, this.validLength + off);
      this.validLength += all.length;
      fdatasyncSync(this.fd);
      for (const w of waiters) w.resolve();
    } catch (err) {
      for (const w of waiters) w.reject(err);
    }
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  /** Closes and deletes the log. */
  destroy(): void {
    this.close();
    rmSync(this.file, { force: true });
    this.pending = [];
    this.validLength = 0; // a later append starts a new file at offset 0, not after a hole
  }
}

/** Makes a new directory entry durable (fsync of the parent folder). */
export function syncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
