import { BatchDecodeError } from '../../node/errors.js';

/** Q4 partial counts: repeated `u32 store | u32 user | u32 count` (little-endian). */
export function encodeQ4Counts(byStore: Map<number, Map<number, number>>): Buffer {
  let n = 0;
  for (const users of byStore.values()) n += users.size;
  const buf = Buffer.allocUnsafe(n * 12);
  let off = 0;
  for (const [store, users] of byStore) {
    for (const [user, count] of users) {
      buf.writeUInt32LE(store, off);
      buf.writeUInt32LE(user, off + 4);
      buf.writeUInt32LE(count, off + 8);
      off += 12;
    }
  }
  return buf;
}

export function forEachQ4Count(buf: Buffer, visit: (store: number, user: number, count: number) => void): void {
  if (buf.length % 12 !== 0) throw new BatchDecodeError('q4 counts payload is not a whole number of triples');
  for (let off = 0; off < buf.length; off += 12) visit(buf.readUInt32LE(off), buf.readUInt32LE(off + 4), buf.readUInt32LE(off + 8));
}
