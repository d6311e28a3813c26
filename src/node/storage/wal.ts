import {
  openSync,
  writeSync,
  fdatasyncSync,
  closeSync,
  readSync,
  fstatSync,
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
    return [...this.records()];
  }

  /**
   * Yields every intact record, reading the file in chunks: a log of any size can be replayed
   * (readFileSync stops at 2 GiB) and only the records the caller keeps stay in memory. Each
   * yielded record is its own copy. Sets the valid length once the scan ends (the next append
   * truncates a torn tail there), so iterate to the end before appending.
   */
  *records(chunkBytes = READ_CHUNK): Generator<Buffer> {
    this.scanned = true;
    this.validLength = 0;
    if (!existsSync(this.file)) return;
    let fd: number;
    try {
      fd = openSync(this.file, 'r');
    } catch (err) {
      throw new StorageError(`cannot read ${this.file}: ${(err as Error).message}`, err);
    }
    try {
      const size = fstatSync(fd).size;
      let buf = Buffer.allocUnsafe(Math.max(8, chunkBytes)); // room for a header at least
      let have = 0; // bytes of buf holding unparsed data, starting at file offset `base`
      let base = 0;
      let eof = false;
      for (;;) {
        // Parse what we have.
        let off = 0;
        while (off + 8 <= have) {
          const len = buf.readUInt32LE(off);
          if (off + 8 + len > have) break;
          const sum = buf.readUInt32LE(off + 4);
          const rec = buf.subarray(off + 8, off + 8 + len);
          if (checksum(buf.subarray(off, off + 4), rec) !== sum) return; // corrupt: stop here
          yield Buffer.from(rec);
          off += 8 + len;
          this.validLength = base + off;
        }
        if (eof) return; // a torn tail (or nothing) is left
        // Keep the unparsed rest at the front; grow the buffer for a record bigger than it.
        buf.copy(buf, 0, off, have);
        have -= off;
        base += off;
        if (have >= 8) {
          const need = 8 + buf.readUInt32LE(0);
          // A length past the end of the file is a torn (or zeroed) header: stop, allocate nothing.
          if (base + need > size) return;
          if (need > buf.length) {
            const bigger = Buffer.allocUnsafe(need);
            buf.copy(bigger, 0, 0, have);
            buf = bigger;
          }
        }
        let n: number;
        try {
          n = readSync(fd, buf, have, buf.length - have, base + have);
        } catch (err) {
          throw new StorageError(`cannot read ${this.file}: ${(err as Error).message}`, err);
        }
        if (n === 0) eof = true;
        have += n;
      }
    } finally {
      closeSync(fd);
    }
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
        // A new file's directory entry must survive a power loss too, not only its data.
        else syncDir(path.dirname(this.file));
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

/** Bytes read per step when replaying a log. */
const READ_CHUNK = 1 << 20;

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
