/**
 * A file built directly as bytes in large Buffers (no per-row strings: building rows as JS
 * strings spent most of the run in the garbage collector). Rows are ASCII, written with
 * small inlined helpers; the caller calls `flushIfFull()` once per row group, which hands a
 * full chunk to the FileSink (backpressure there) and starts a fresh one.
 */
import { FileSink } from './sink.js';

const CHUNK_BYTES = 1 << 20;
/** Room kept free at the end of a chunk: enough for any one transaction's rows. */
const HEADROOM = 16 << 10;
const HEX = Uint8Array.from('0123456789abcdef', (c) => c.charCodeAt(0));

export class ByteSink {
  buf: Buffer = Buffer.allocUnsafe(CHUNK_BYTES);
  pos = 0;
  private readonly sink: FileSink;

  constructor(path: string, onBytes?: (n: number) => void) {
    this.sink = new FileSink(path, onBytes);
  }

  get bytes(): number {
    return this.sink.bytes + this.pos;
  }

  async flushIfFull(): Promise<void> {
    if (this.pos > CHUNK_BYTES - HEADROOM) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.pos === 0) return;
    const full = this.buf.subarray(0, this.pos);
    // The stream keeps a reference until written, so the next rows go to a fresh Buffer.
    this.buf = Buffer.allocUnsafe(CHUNK_BYTES);
    this.pos = 0;
    await this.sink.write(full);
  }

  async close(): Promise<void> {
    await this.flush();
    await this.sink.close();
  }

  /** Any string (UTF-8); for headers and spliced lines, not the hot path. */
  text(s: string): void {
    const n = Buffer.byteLength(s);
    if (this.pos + n > this.buf.length) {
      const bigger = Buffer.allocUnsafe(this.pos + n + CHUNK_BYTES);
      this.buf.copy(bigger, 0, 0, this.pos);
      this.buf = bigger;
    }
    this.pos += this.buf.write(s, this.pos);
  }

  byte(c: number): void {
    this.buf[this.pos++] = c;
  }

  /** Copies a small byte array (a loop beats TypedArray.set for a few bytes). */
  copy(src: Uint8Array): void {
    const b = this.buf;
    let p = this.pos;
    for (let i = 0; i < src.length; i++) b[p++] = src[i]!;
    this.pos = p;
  }

  /** A non-negative integer in decimal. */
  uint(n: number): void {
    const b = this.buf;
    const p = this.pos;
    if (n < 10) {
      b[p] = 48 + n;
      this.pos = p + 1;
      return;
    }
    let len = 2;
    for (let t = 100; n >= t && len < 16; t *= 10) len++;
    let q = n;
    for (let i = p + len - 1; i >= p; i--) {
      const d = q % 10;
      b[i] = 48 + d;
      q = (q - d) / 10;
    }
    this.pos = p + len;
  }

  /** Cents as the dataset writes money: `38.0`, `38.5`, `38.25` (see format.ts). */
  amount(cents: number): void {
    const whole = Math.floor(cents / 100);
    const frac = cents - whole * 100;
    this.uint(whole);
    const b = this.buf;
    let p = this.pos;
    b[p++] = 46; // '.'
    if (frac % 10 === 0) {
      b[p++] = 48 + frac / 10;
    } else {
      b[p++] = 48 + ((frac / 10) | 0);
      b[p++] = 48 + (frac % 10);
    }
    this.pos = p;
  }
}

/**
 * Writes 4 random words as the 8-4-4-4-12 version-4-shaped id of Random.uuid() (same bits,
 * same characters) into `out` (36 bytes), without building a string.
 */
export function uuidBytes(a: number, b: number, c: number, d: number, out: Uint8Array): void {
  hexByte(a >>> 24, out, 0);
  hexByte((a >>> 16) & 255, out, 2);
  hexByte((a >>> 8) & 255, out, 4);
  hexByte(a & 255, out, 6);
  out[8] = 45;
  hexByte(b >>> 24, out, 9);
  hexByte((b >>> 16) & 255, out, 11);
  out[13] = 45;
  hexByte(((b >>> 8) & 0x0f) | 0x40, out, 14);
  hexByte(b & 255, out, 16);
  out[18] = 45;
  hexByte(((c >>> 24) & 0x3f) | 0x80, out, 19);
  hexByte((c >>> 16) & 255, out, 21);
  out[23] = 45;
  hexByte((c >>> 8) & 255, out, 24);
  hexByte(c & 255, out, 26);
  hexByte(d >>> 24, out, 28);
  hexByte((d >>> 16) & 255, out, 30);
  hexByte((d >>> 8) & 255, out, 32);
  hexByte(d & 255, out, 34);
}

function hexByte(v: number, out: Uint8Array, at: number): void {
  out[at] = HEX[v >>> 4]!;
  out[at + 1] = HEX[v & 15]!;
}
