/**
 * A view of one CSV record: field byte ranges into the parser's current buffer. The parser
 * reuses one instance for every record, so a record is valid only until the next call to
 * `CsvParser.next()` / `feed()`; copy what you keep (text(i) / bytes(i) copy).
 *
 * For a quoted field the range is the content between the quotes, still holding doubled
 * quotes (`""`); text/bytes/byteLength/copyTo unescape them.
 */
export const FIELD_QUOTED = 1;
export const FIELD_ESCAPES = 2;

const QUOTE = 0x22;

export class CsvRecord {
  /** Buffer the ranges point into. */
  buf: Buffer = Buffer.alloc(0);
  /** Number of fields of this record (>= 1). */
  fieldCount = 0;
  /** 1-based physical line where the record starts. */
  line = 0;
  /** Malformed quoting in this record (the fields are then best effort), or null. */
  error: string | null = null;
  /** Byte offsets of the record in the whole stream: [byteStart, byteEnd) incl. its line ending. */
  byteStart = 0;
  byteEnd = 0;
  starts: Int32Array = new Int32Array(16);
  ends: Int32Array = new Int32Array(16);
  flags: Uint8Array = new Uint8Array(16);

  start(i: number): number {
    return this.starts[i];
  }

  end(i: number): number {
    return this.ends[i];
  }

  isQuoted(i: number): boolean {
    return (this.flags[i] & FIELD_QUOTED) !== 0;
  }

  /** True when the field holds no bytes (quoted `""` or unquoted empty). */
  isEmpty(i: number): boolean {
    return this.ends[i] === this.starts[i];
  }

  /** The field as a string (UTF-8 decoded, `""` unescaped). Allocates. */
  text(i: number): string {
    const s = this.buf.toString('utf8', this.starts[i], this.ends[i]);
    return (this.flags[i] & FIELD_ESCAPES) !== 0 ? s.replaceAll('""', '"') : s;
  }

  /** Unescaped byte length of the field. */
  byteLength(i: number): number {
    const s = this.starts[i];
    const e = this.ends[i];
    if ((this.flags[i] & FIELD_ESCAPES) === 0) return e - s;
    let n = 0;
    const buf = this.buf;
    for (let k = s; k < e; k++) {
      n++;
      if (buf[k] === QUOTE) k++; // a doubled quote counts once
    }
    return n;
  }

  /** The field's unescaped bytes: a subarray of the buffer when nothing to unescape (no copy). */
  bytes(i: number): Buffer {
    const s = this.starts[i];
    const e = this.ends[i];
    if ((this.flags[i] & FIELD_ESCAPES) === 0) return this.buf.subarray(s, e);
    const out = Buffer.allocUnsafe(this.byteLength(i));
    this.copyTo(i, out, 0);
    return out;
  }

  /** Copies the field's unescaped bytes into target at offset; returns the number of bytes written. */
  copyTo(i: number, target: Uint8Array, offset: number): number {
    const s = this.starts[i];
    const e = this.ends[i];
    const buf = this.buf;
    if ((this.flags[i] & FIELD_ESCAPES) === 0) {
      // Short fields: a JS loop beats the native copy's call overhead.
      if (e - s > 64) return buf.copy(target, offset, s, e);
      for (let k = s, o = offset; k < e; k++, o++) target[o] = buf[k]!;
      return e - s;
    }
    let o = offset;
    for (let k = s; k < e; k++) {
      const c = buf[k];
      target[o++] = c;
      if (c === QUOTE) k++;
    }
    return o - offset;
  }

  /** All fields as strings (tests and diagnostics; allocates). */
  toArray(): string[] {
    const out: string[] = [];
    for (let i = 0; i < this.fieldCount; i++) out.push(this.text(i));
    return out;
  }

  /** Grows the field arrays (called by the parser). */
  grow(): void {
    const n = this.starts.length * 2;
    const s = new Int32Array(n);
    s.set(this.starts);
    const e = new Int32Array(n);
    e.set(this.ends);
    const f = new Uint8Array(n);
    f.set(this.flags);
    this.starts = s;
    this.ends = e;
    this.flags = f;
  }
}
