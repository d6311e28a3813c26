import { CsvRecord, FIELD_ESCAPES, FIELD_QUOTED } from './record.js';
import { RecordTooLargeError } from '../../node/errors.js';

/**
 * Incremental RFC 4180 parser over Buffer chunks (pull style, allocation-light):
 *
 *   const p = new CsvParser();
 *   for await (const chunk of stream) { p.feed(chunk); while (p.next()) use(p.record); }
 *   p.end(); while (p.next()) use(p.record);
 *
 * Handles quoted fields (commas, doubled quotes, line breaks inside), CRLF / LF / lone CR
 * line endings, a final line without a line ending, a UTF-8 BOM at the start, records split
 * across chunks, and skips blank lines. Malformed quoting is reported on the record
 * (`record.error`), never thrown. A record that does not complete in the current buffer is
 * kept (from its first byte) and re-parsed once the next chunk arrives.
 *
 * A record longer than `maxRecordBytes` throws RecordTooLargeError (with its line): without a
 * cap, an unterminated quote or a file without line breaks is held whole and re-parsed per
 * chunk.
 */
const COMMA = 0x2c;
const QUOTE = 0x22;
const LF = 0x0a;
const CR = 0x0d;
const EMPTY = Buffer.alloc(0);
/** Default cap on one record (the client's `--max-record-kb`). */
export const DEFAULT_MAX_RECORD_BYTES = 1024 * 1024;

export class CsvParser {
  /** The current record; valid until the next `next()` / `feed()` call. */
  readonly record = new CsvRecord();
  private buf: Buffer = EMPTY;
  private pos = 0;
  /** Stream offset of buf[0]. */
  private base = 0;
  private lineNo = 1;
  private eof = false;
  private bomChecked = false;
  /** While bridging: the chunk being fed; buf[head + x] is after[afterStart + x] for x < bridged. */
  private after: Buffer | null = null;
  private afterStart = 0;
  private head = 0;
  private bridged = 0;

  constructor(private readonly maxRecordBytes = DEFAULT_MAX_RECORD_BYTES) {}

  /**
   * Adds a chunk. Call only after `next()` returned false (the previous buffer is used up).
   *
   * The unfinished record at the end of the previous chunk is not joined to the whole new
   * chunk (that copied every input byte into a fresh buffer: a third of the client's parse
   * time went to those copies, their page faults and their garbage). Only a small "bridge"
   * is built, the unfinished bytes plus the new chunk up to its first line end, and once a
   * record completes past the bridge's head the parser continues in the chunk itself.
   */
  feed(chunk: Buffer): void {
    if (this.eof) throw new Error('CsvParser.feed after end()');
    // The quote cache is keyed by buffer identity, and a caller may feed a buffer again with new bytes (fileChunks).
    this.quoteIn = null;
    const leftover = this.buf.length - this.pos;
    if (leftover > this.maxRecordBytes) throw this.tooLarge(leftover);
    this.base += this.pos;
    if (leftover === 0) {
      this.buf = chunk;
      this.pos = 0;
      return;
    }
    this.after = chunk;
    this.afterStart = 0;
    this.bridge(this.buf.subarray(this.pos));
  }

  /**
   * Builds buf = head + the next piece of `after`: at least head's length (so a long record
   * spanning many pieces costs linear copying), then up to and including the next line end.
   */
  private bridge(head: Buffer): void {
    const after = this.after!;
    const from = this.afterStart;
    const lf = after.indexOf(LF, Math.min(after.length, from + head.length));
    const to = lf < 0 ? after.length : lf + 1;
    this.buf = Buffer.concat([head, after.subarray(from, to)]);
    this.pos = 0;
    this.head = head.length;
    this.bridged = to - from;
  }

  private tooLarge(bytes: number): RecordTooLargeError {
    return new RecordTooLargeError(this.lineNo, bytes, this.maxRecordBytes);
  }

  // ------------------------------------------------------------ fast path (fast-rows.ts)
  // A table-specific decoder reads plain lines (no quotes, LF or CRLF endings) straight from the
  // buffer; anything else is left to `next()`. These expose just enough for that.

  /** Where the next record starts (valid while `fastReady()`). */
  get buffer(): Buffer {
    return this.buf;
  }

  get position(): number {
    return this.pos;
  }

  /** The next record starts at `position` in `buffer`, with nothing pending (no bridge, BOM handled). */
  fastReady(): boolean {
    return this.after === null && this.bomChecked && this.pos < this.buf.length;
  }

  /** Position of the next quote at or after `pos` in buf (buf.length when none); cached per buffer. */
  private nextQuote = -1;
  private quoteIn: Buffer | null = null;

  /** No quote in buffer[position, end): a line a fast decoder read as plain fields is plain CSV. */
  plainUpTo(end: number): boolean {
    if (this.quoteIn !== this.buf || this.nextQuote < this.pos) {
      const q = this.buf.indexOf(QUOTE, this.pos);
      this.nextQuote = q < 0 ? this.buf.length : q;
      this.quoteIn = this.buf;
    }
    return this.nextQuote >= end;
  }

  /** Consumes one line read by a fast decoder, `next` being the position after its line end. */
  consumeLine(next: number): void {
    this.pos = next;
    this.lineNo++;
  }

  /** Marks the end of input: the pending bytes become the last record(s). */
  end(): void {
    this.eof = true;
  }

  /** Stream bytes consumed by the records returned so far (incl. skipped blank lines, BOM). */
  get consumed(): number {
    return this.base + this.pos;
  }

  /**
   * Parses the next record into `this.record`. Returns false when more input is needed
   * (or, after `end()`, when the input is exhausted).
   */
  next(): boolean {
    for (;;) {
      const ok = this.parseNext();
      const after = this.after;
      if (after === null) return ok;
      if (ok) {
        // Past the bridge's head, the rest of the bridge is the chunk itself: continue there.
        if (this.pos >= this.head) {
          const inAfter = this.afterStart + this.pos - this.head;
          this.base += this.pos - inAfter;
          this.buf = after;
          this.pos = inAfter;
          this.after = null;
        }
        return true;
      }
      // The record needs more than the bridge holds.
      if (this.afterStart + this.bridged >= after.length) {
        // The bridge already holds the rest of the chunk: it simply is the buffer now.
        this.after = null;
        return false;
      }
      // Bridge again from the unfinished record (what came before it is consumed and counted).
      const unfinished = this.buf.length - this.pos;
      if (unfinished > this.maxRecordBytes) throw this.tooLarge(unfinished);
      this.base += this.pos;
      this.afterStart += this.bridged;
      this.bridge(this.buf.subarray(this.pos));
    }
  }

  private parseNext(): boolean {
    const buf = this.buf;
    const len = buf.length;
    let i = this.pos;
    if (!this.bomChecked) {
      if (len - i < 3 && !this.eof) return false;
      if (len - i >= 3 && buf[i] === 0xef && buf[i + 1] === 0xbb && buf[i + 2] === 0xbf) i += 3;
      this.bomChecked = true;
      this.pos = i;
    }
    const eof = this.eof;
    // Skip blank lines.
    for (;;) {
      if (i >= len) {
        this.pos = i;
        return false;
      }
      const c = buf[i];
      if (c === LF) {
        i++;
        this.lineNo++;
      } else if (c === CR) {
        if (i + 1 < len) {
          i += buf[i + 1] === LF ? 2 : 1;
        } else if (eof) {
          i++;
        } else {
          this.pos = i;
          return false;
        }
        this.lineNo++;
      } else {
        break;
      }
    }
    this.pos = i;
    const recStart = i;
    const rec = this.record;
    let starts = rec.starts;
    let ends = rec.ends;
    let flags = rec.flags;
    let n = 0;
    let err: string | null = null;
    let extraLines = 0;
    let next = -1; // position after the record's terminator

    for (;;) {
      if (n === starts.length) {
        rec.grow();
        starts = rec.starts;
        ends = rec.ends;
        flags = rec.flags;
      }
      if (i < len && buf[i] === QUOTE) {
        // Quoted field: find the closing quote, counting line breaks inside.
        let j = i + 1;
        let f = FIELD_QUOTED;
        let close = -1;
        while (j < len) {
          const c = buf[j];
          if (c === QUOTE) {
            if (j + 1 < len) {
              if (buf[j + 1] === QUOTE) {
                f = FIELD_QUOTED | FIELD_ESCAPES;
                j += 2;
                continue;
              }
              close = j;
              break;
            }
            if (eof) {
              close = j;
              break;
            }
            return false; // cannot tell `"` from `""` yet
          } else if (c === LF) {
            extraLines++;
          } else if (c === CR) {
            if (j + 1 < len) {
              if (buf[j + 1] !== LF) extraLines++;
            } else if (!eof) {
              return false;
            } else {
              extraLines++;
            }
          }
          j++;
        }
        if (close < 0) {
          if (!eof) return false;
          // Unterminated quote at end of input: the rest is this field.
          if (err === null) err = 'unterminated quoted field';
          starts[n] = i + 1;
          ends[n] = len;
          flags[n] = f;
          n++;
          next = len;
          break;
        }
        starts[n] = i + 1;
        ends[n] = close;
        flags[n] = f;
        n++;
        let k = close + 1;
        if (k < len) {
          let c = buf[k];
          if (c !== COMMA && c !== LF && c !== CR) {
            // Junk after the closing quote: reject the record, skip to the field's end.
            if (err === null) err = 'unexpected character after closing quote';
            while (k < len) {
              c = buf[k]!;
              if (c === COMMA || c === LF || c === CR) break;
              k++;
            }
            ends[n - 1] = k;
            if (k >= len) {
              if (!eof) return false;
              next = len;
              break;
            }
          }
          if (c === COMMA) {
            i = k + 1;
            continue;
          }
          if (c === LF) {
            next = k + 1;
            break;
          }
          // CR
          if (k + 1 < len) {
            next = buf[k + 1] === LF ? k + 2 : k + 1;
          } else if (eof) {
            next = k + 1;
          } else {
            return false;
          }
          break;
        }
        // k === len: close was the last byte, so eof is true here.
        next = len;
        break;
      }
      // Unquoted field: the hot loop. Bytes above ',' (digits, letters, '-', '.', ':', UTF-8)
      // are ordinary and take the first test only.
      let j = i;
      let c = 0;
      while (j < len) {
        c = buf[j]!;
        if (c > COMMA) {
          j++;
          continue;
        }
        if (c === COMMA || c === LF || c === CR) break;
        if (c === QUOTE && err === null) err = 'quote inside an unquoted field';
        j++;
      }
      starts[n] = i;
      ends[n] = j;
      flags[n] = 0;
      n++;
      if (j >= len) {
        if (!eof) return false;
        next = len;
        break;
      }
      if (c === COMMA) {
        i = j + 1;
        continue;
      }
      if (c === LF) {
        next = j + 1;
        break;
      }
      if (j + 1 < len) {
        next = buf[j + 1] === LF ? j + 2 : j + 1;
      } else if (eof) {
        next = j + 1;
      } else {
        return false;
      }
      break;
    }
    if (next - recStart > this.maxRecordBytes) throw this.tooLarge(next - recStart);
    rec.buf = buf;
    rec.fieldCount = n;
    rec.error = err;
    rec.line = this.lineNo;
    rec.byteStart = this.base + recStart;
    rec.byteEnd = this.base + next;
    this.lineNo += 1 + extraLines;
    this.pos = next;
    return true;
  }
}
