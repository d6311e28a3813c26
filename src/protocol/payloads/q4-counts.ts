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

/** Encodes store -> user -> count; every number a u32. */
export function encodeQ4Counts(byStore: Map<number, Map<number, number>>): Buffer {
  let n = 0;
  for (const users of byStore.values()) n += users.size;
  const buf = Buffer.allocUnsafe(byStore.size * 2 * MAX_VARINT_BYTES + n * 2 * MAX_VARINT_BYTES);
  let off = 0;
  for (const [store, users] of byStore) {
    off = writeVarint(buf, off, store >>> 0);
    off = writeVarint(buf, off, users.size);
    for (const [user, count] of users) {
      off = writeVarint(buf, off, user >>> 0);
      off = writeVarint(buf, off, count >>> 0);
    }
  }
  return Buffer.from(buf.subarray(0, off));
}

/** Calls `visit` per (store, user, count); throws BatchDecodeError on a malformed payload. */
export function forEachQ4Count(buf: Buffer, visit: (store: number, user: number, count: number) => void): void {
  let off = 0;
  const varint = (): number => {
    let v = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      if (off >= buf.length) throw new BatchDecodeError('q4 counts payload truncated');
      const b = buf[off++];
      v += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) {
        if (v > 0xffffffff) throw new BatchDecodeError('q4 counts payload: number above 2^32 - 1');
        return v;
      }
    }
    throw new BatchDecodeError('q4 counts payload: varint longer than 5 bytes');
  };
  while (off < buf.length) {
    const store = varint();
    const n = varint();
    for (let i = 0; i < n; i++) {
      const user = varint();
      visit(store, user, varint());
    }
  }
}
