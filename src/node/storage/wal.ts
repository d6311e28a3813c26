import {
  openSync,
  writeSync,
  fdatasyncSync,
  closeSync,
  readFileSync,
  existsSync,
  rmSync,
  fsyncSync,
  mkdirSync,
  ftruncateSync,
} from 'node:fs';
import path from 'node:path';
import { crc32 } from 'node:zlib';
import { StorageError } from '../errors.js';
import { metricsIfEnabled } from '../metrics.js';

/** Feeds the WAL metrics when this process is a node (tools and tests record nothing). */
function recordWalCommit(bytes: number, ms: number): void {
  const m = metricsIfEnabled();
  if (!m) return;
  m.walBytes.inc(bytes);
  m.fsyncSeconds.observe(ms / 1000);
}

/**
 * An append-only log of records, each `u32 length | u32 crc32(length, bytes) | bytes` (the
 * checksum covers the length too, so a zero-filled tail never reads as records). Appends are
 * group-committed: records written within one tick share one write + fdatasync, and each
 * append's promise resolves only once its record is on disk. Reading stops at the first
 * torn or corrupt record (a crash mid-write), which is then truncated by the next append.
 * A torn tail is expected after a crash and is not an error; a log that cannot be read or
 * written at all (permissions, I/O error, full disk) is a StorageError naming the file.
 */
export class WriteAheadLog {
  private fd: number | undefined;
  private pending: Buffer[] = [];
  private waiters: Array<{ resolve: () => void; reject: (e: unknown) => void }> = [];
  private scheduled = false;
  private validLength = 0;
  private scanned = false;

  constructor(readonly file: string) {}

  /** Reads every intact record (call before the first append). */
  readAll(): Buffer[] {
    const out: Buffer[] = [];
    if (!existsSync(this.file)) {
      this.scanned = true;
      this.validLength = 0;
      return out;
    }
    this.scanned = true;
    let data: Buffer;
    try {
      data = readFileSync(this.file);
    } catch (err) {
      throw new StorageError(`cannot read ${this.file}: ${(err as Error).message}`, err);
    }
    let off = 0;
    while (off + 8 <= data.length) {
      const len = data.readUInt32LE(off);
      const sum = data.readUInt32LE(off + 4);
      if (off + 8 + len > data.length) break;
      const rec = data.subarray(off + 8, off + 8 + len);
      if (checksum(data.subarray(off, off + 4), rec) !== sum) break;
      out.push(rec);
      off += 8 + len;
    }
    this.validLength = off;
    return out;
  }

  append(record: Buffer): Promise<void> {
    const head = Buffer.allocUnsafe(8);
    head.writeUInt32LE(record.length, 0);
    head.writeUInt32LE(checksum(head.subarray(0, 4), record), 4);
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
    // Nothing to write (the log was destroyed meanwhile): don't recreate the file.
    if (bufs.length === 0) {
      for (const w of waiters) w.resolve();
      return;
    }
    try {
      // Appending without a scan first would truncate the records already on disk.
      if (!this.scanned) this.readAll();
      if (this.fd === undefined) {
        mkdirSync(path.dirname(this.file), { recursive: true });
        // Opening r+ at the last valid offset drops a torn tail left by a crash.
        const existed = existsSync(this.file);
        this.fd = openSync(this.file, existed ? 'r+' : 'w');
        if (existed) ftruncateSync(this.fd, this.validLength);
      }
      const all = Buffer.concat(bufs);
      const started = performance.now();
      let off = 0;
      while (off < all.length) off += writeSync(this.fd, all, off, all.length - off, this.validLength + off);
      this.validLength += all.length;
      fdatasyncSync(this.fd);
      recordWalCommit(all.length, performance.now() - started);
      for (const w of waiters) w.resolve();
    } catch (err) {
      const failure = err instanceof StorageError ? err : new StorageError(`cannot write ${this.file}: ${(err as Error).message}`, err);
      for (const w of waiters) w.reject(failure);
    }
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  /**
   * Closes and deletes the log. Appends still pending are dropped (their promises resolve):
   * whoever destroys a log has no further use for its records.
   */
  destroy(): void {
    this.close();
    rmSync(this.file, { force: true });
    this.pending = [];
    this.validLength = 0; // a later append starts a new file at offset 0, not after a hole
    this.scanned = true;
  }
}

function checksum(lengthBytes: Buffer, record: Buffer): number {
  return crc32(record, crc32(lengthBytes));
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
