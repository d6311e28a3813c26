/**
 * Frame-of-reference packing of a 32-bit column for the batch codec: the column's minimum as
 * base and each value as an unsigned delta in the fewest bytes (1..4) that hold max - min.
 * Values are 32-bit patterns (an Int32Array); `unsigned` says how to order them. At least one
 * byte per value even for a constant column, so a payload's length bounds its row count (a
 * few bytes must not be able to announce billions of rows).
 */
export interface PackedLayout {
  /** Bytes per value, 1..4. */
  width: number;
  /** The minimum, as its 32-bit pattern read signed (what the wire's i32 holds). */
  base: number;
}

export function packedLayout(col: Int32Array, rows: number, unsigned: boolean): PackedLayout {
  if (rows === 0) return { width: 1, base: 0 };
  let min = Infinity;
  let max = -Infinity;
  if (unsigned) {
    for (let i = 0; i < rows; i++) {
      const v = col[i] >>> 0;
      if (v < min) min = v;
      if (v > max) max = v;
    }
  } else {
    for (let i = 0; i < rows; i++) {
      const v = col[i];
      if (v < min) min = v;
      if (v > max) max = v;
    }
  }
  const range = max - min;
  const width = range < 0x100 ? 1 : range < 0x10000 ? 2 : range < 0x1000000 ? 3 : 4;
  return { width, base: min | 0 };
}

/** Writes rows deltas of `width` bytes at out[off]; returns the bytes written. */
export function writePacked(col: Int32Array, rows: number, { width, base }: PackedLayout, out: Uint8Array, off: number): number {
  let o = off;
  switch (width) {
    case 1:
      for (let i = 0; i < rows; i++) out[o++] = col[i] - base;
      break;
    case 2:
      for (let i = 0; i < rows; i++) {
        const d = (col[i] - base) >>> 0;
        out[o] = d;
        out[o + 1] = d >>> 8;
        o += 2;
      }
      break;
    case 3:
      for (let i = 0; i < rows; i++) {
        const d = (col[i] - base) >>> 0;
        out[o] = d;
        out[o + 1] = d >>> 8;
        out[o + 2] = d >>> 16;
        o += 3;
      }
      break;
    default:
      for (let i = 0; i < rows; i++) {
        const d = (col[i] - base) >>> 0;
        out[o] = d;
        out[o + 1] = d >>> 8;
        out[o + 2] = d >>> 16;
        out[o + 3] = d >>> 24;
        o += 4;
      }
  }
  return o - off;
}

/** Reads rows deltas of `width` bytes at src[off] into `into` (a typed array store wraps mod 2^32). */
export function readPacked(src: Uint8Array, off: number, rows: number, width: number, base: number, into: Int32Array | Uint32Array): void {
  let o = off;
  switch (width) {
    case 1:
      for (let i = 0; i < rows; i++) into[i] = base + src[o++];
      break;
    case 2:
      for (let i = 0; i < rows; i++, o += 2) into[i] = base + (src[o] | (src[o + 1] << 8));
      break;
    case 3:
      for (let i = 0; i < rows; i++, o += 3) into[i] = base + (src[o] | (src[o + 1] << 8) | (src[o + 2] << 16));
      break;
    default:
      for (let i = 0; i < rows; i++, o += 4) into[i] = base + (src[o] | (src[o + 1] << 8) | (src[o + 2] << 16) | (src[o + 3] << 24));
  }
}
