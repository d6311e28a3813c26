import { BatchDecodeError } from '../../node/errors.js';

/**
 * Q4 partial counts, grouped by store: repeated `store | n | n x (user | count)`, every
 * number an unsigned LEB128 varint (7 bits a byte). A (store, user) pair costs ~4 bytes
 * (user ids below 2^21, counts below 128) instead of 12 as three u32: these messages are
 * persistent, so their bytes are written by the broker.
 */
const MAX_VARINT_BYTES = 5;

function writeVarint(buf: Buffer, off: number, v: number): number {
  while (v >= 0x80) {
    buf[off++] = (v & 0x7f) | 0x80;
    v >>>= 7;
  }
  buf[off++] = v;
  return off;
}

/**
 * Writes a q4 counts payload group by group: `group(store, n)`, then exactly n `pair(user,
 * count)`. Sized up front from the groups and pairs it will hold (5 bytes per number at most).
 */
export class Q4CountsWriter {
  private readonly buf: Buffer;
  private off = 0;

  constructor(groups: number, pairs: number) {
    this.buf = Buffer.allocUnsafe((groups + pairs) * 2 * MAX_VARINT_BYTES);
  }

  group(store: number, n: number): void {
    this.off = writeVarint(this.buf, writeVarint(this.buf, this.off, store >>> 0), n >>> 0);
  }

  pair(user: number, count: number): void {
    this.off = writeVarint(this.buf, writeVarint(this.buf, this.off, user >>> 0), count >>> 0);
  }

  /** The payload, copied out (a message body outlives the writer). */
  finish(): Buffer {
    return Buffer.from(this.buf.subarray(0, this.off));
  }
}

/** Encodes store -> user -> count; every number a u32. */
export function encodeQ4Counts(byStore: Map<number, Map<number, number>>): Buffer {
  let n = 0;
  for (const users of byStore.values()) n += users.size;
  const w = new Q4CountsWriter(byStore.size, n);
  for (const [store, users] of byStore) {
    w.group(store, users.size);
    for (const [user, count] of users) w.pair(user, count);
  }
  return w.finish();
}

/** Calls `visit` per (store, user, count); throws BatchDecodeError on a malformed payload. */
export function forEachQ4Count(buf: Buffer, visit: (store: number, user: number, count: number) => void): void {
  let off = 0;
  while (off < buf.length) {
    const store = readVarint(buf, off);
    off = varintEnd;
    const n = readVarint(buf, off);
    off = varintEnd;
    for (let i = 0; i < n; i++) {
      const user = readVarint(buf, off);
      const count = readVarint(buf, varintEnd);
      off = varintEnd;
      visit(store, user, count);
    }
  }
}

/** Where the last `readVarint` ended (a module variable, not a closure's: this is q4-count's hot loop). */
let varintEnd = 0;

/** The unsigned LEB128 value at buf[off] (at most 5 bytes, at most 2^32 - 1); sets varintEnd. */
function readVarint(buf: Buffer, off: number): number {
  if (off >= buf.length) throw new BatchDecodeError('q4 counts payload truncated');
  let b = buf[off];
  if (b < 0x80) {
    varintEnd = off + 1;
    return b;
  }
  let v = b & 0x7f;
  let scale = 0x80;
  for (let k = 1; k < 5; k++) {
    if (off + k >= buf.length) throw new BatchDecodeError('q4 counts payload truncated');
    b = buf[off + k];
    v += (b & 0x7f) * scale;
    if (b < 0x80) {
      if (v > 0xffffffff) throw new BatchDecodeError('q4 counts payload: number above 2^32 - 1');
      varintEnd = off + k + 1;
      return v;
    }
    scale *= 0x80;
  }
  throw new BatchDecodeError('q4 counts payload: varint longer than 5 bytes');
}
