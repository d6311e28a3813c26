import { BatchDecodeError } from '../../node/errors.js';

/**
 * Q1 rows between workers and in q1 results: repeated `u8 id length | id bytes | i32 cents`
 * (little-endian). Ids are copied as bytes from the input batch: no strings on the hot path.
 */
export class Q1RowsWriter {
  private buf = Buffer.allocUnsafe(4096);
  private len = 0;
  rows = 0;

  add(idSource: Uint8Array, idStart: number, idEnd: number, cents: number): void {
    const n = idEnd - idStart;
    this.ensure(5 + n);
    this.buf[this.len] = n;
    this.buf.set(idSource.subarray(idStart, idEnd), this.len + 1);
    this.buf.writeInt32LE(cents, this.len + 1 + n);
    this.len += 5 + n;
    this.rows++;
  }

  get byteLength(): number {
    return this.len;
  }

  finish(): Buffer {
    return Buffer.from(this.buf.subarray(0, this.len));
  }

  private ensure(extra: number): void {
    if (this.len + extra <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.len + extra));
    this.buf.copy(next, 0, 0, this.len);
    this.buf = next;
  }
}

/**
 * Where the id of the row at buf[off] ends (it starts at off + 1; its amount is the i32 at the
 * end, and the next row starts 4 bytes later). Throws BatchDecodeError on a truncated row.
 */
export function q1RowIdEnd(buf: Buffer, off: number): number {
  const end = off + 1 + buf[off];
  if (end + 4 > buf.length) throw new BatchDecodeError('q1 rows payload truncated');
  return end;
}

/** Calls `visit(idStart, idEnd, cents)` per row; ids are byte ranges of `buf`. */
export function forEachQ1Row(buf: Buffer, visit: (idStart: number, idEnd: number, cents: number) => void): void {
  for (let off = 0; off < buf.length;) {
    const idEnd = q1RowIdEnd(buf, off);
    visit(off + 1, idEnd, buf.readInt32LE(idEnd));
    off = idEnd + 4;
  }
}
