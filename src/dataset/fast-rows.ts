import type { BatchEncoder } from './batch-codec.js';
import { INT32_MAX, INT32_MIN, parseCentsBytes, parseIntBytes, parseTimestampBytes } from './fields.js';
import { UUID_TEXT_BYTES } from './uuid-bytes.js';
import { CENTS, GUEST_USER_ID, ID_OR_GUEST, INT32, TIMESTAMP, type RowParser } from './rows.js';

const COMMA = 0x2c;
const LF = 0x0a;
const CR = 0x0d;
/** A timestamp is fixed-width, like a lowercase canonical UUID: both read in place, never scanned. */
const TIMESTAMP_BYTES = 19;
/** Column roles besides a numeric value's wire index (>= 0). */
const SKIP = -1;
const TEXT_ID = -2;

/**
 * The client's fast path for the two big tables (issue 11): reads one plain line (no quotes, LF
 * or CRLF ending, exactly the header's columns) straight from the parser's buffer into the batch
 * encoder, in one pass. Ids are packed where they stand and timestamps converted in place
 * (fixed width, so their bytes are read once, not scanned and then read again); the other
 * needed fields are converted with the same field parsers as the generic path; unneeded fields
 * are only skipped.
 *
 * It accepts a line only when the generic path (CsvParser → RowParser → encoder) would accept
 * it with the same values, and otherwise gives up (returns -1) without committing anything: the
 * generic path then parses that line and gives the exact reject reason. Whether a line is plain
 * is the caller's last check (`CsvParser.plainUpTo(lineEnd)`: no quote before its end).
 */
export class FastRowDecoder {
  /** Position of the last decoded line's terminator (its LF, or the CR of its CRLF). */
  lineEnd = 0;

  private constructor(
    /** Per column: the numeric value's wire index, SKIP or TEXT_ID. */
    private readonly role: Int32Array,
    /** Per column: the parse kind of a numeric one. */
    private readonly kind: Uint8Array,
    private readonly maxRecordBytes: number,
  ) {}

  /**
   * The decoder for a file whose header `rp` read, or null for a table it does not serve: one
   * whose text column is not the record id (the small reference tables keep the generic path).
   */
  static for(rp: Pick<RowParser, 'columnPlan'>, maxRecordBytes: number): FastRowDecoder | null {
    const plan = rp.columnPlan();
    if (plan.isText.includes(1) && !plan.textIsRecordId) return null;
    const role = Int32Array.from(plan.wireIndex, (k, c) => (plan.isText[c] === 1 ? TEXT_ID : k < 0 ? SKIP : k));
    return new FastRowDecoder(role, plan.kind, maxRecordBytes);
  }

  /**
   * Decodes the line starting at buf[start] into the encoder's current row (not committed).
   * Returns the position after its line end, or -1 when the line is not for the fast path.
   */
  decode(buf: Uint8Array, start: number, enc: BatchEncoder): number {
    const len = buf.length;
    const role = this.role;
    const last = role.length - 1;
    let i = start;
    for (let c = 0; c <= last; c++) {
      const r = role[c];
      let j: number;
      if (r === TEXT_ID) {
        j = i + UUID_TEXT_BYTES;
        if (j >= len || !enc.tryPackUuid(buf, i)) return -1;
      } else if (r >= 0 && this.kind[c] === TIMESTAMP) {
        j = i + TIMESTAMP_BYTES;
        if (j >= len) return -1;
        const v = parseTimestampBytes(buf, i, j);
        if (v !== v) return -1;
        enc.setNum(r, v);
      } else {
        // Digits, letters, '-', '.', ':' are all above ','; one comparison for almost every byte.
        for (j = i; j < len; j++) {
          const ch = buf[j];
          if (ch <= COMMA && (ch === COMMA || ch === LF || ch === CR)) break;
        }
        if (j >= len) return -1;
        if (r >= 0) {
          let v: number;
          switch (this.kind[c]) {
            case ID_OR_GUEST:
              v = i === j ? GUEST_USER_ID : parseIntBytes(buf, i, j, 0, INT32_MAX);
              break;
            case INT32:
              v = parseIntBytes(buf, i, j, INT32_MIN, INT32_MAX);
              break;
            case CENTS:
              v = parseCentsBytes(buf, i, j);
              break;
            default:
              v = parseIntBytes(buf, i, j, 0, INT32_MAX);
          }
          if (v !== v) return -1;
          enc.setNum(r, v);
        }
      }
      const t = buf[j];
      if (c < last) {
        if (t !== COMMA) return -1;
        i = j + 1;
        continue;
      }
      let next: number;
      if (t === LF) next = j + 1;
      else if (t === CR && j + 1 < len && buf[j + 1] === LF) next = j + 2;
      else return -1; // a lone CR, another field, or the end of the buffer: the generic path decides
      if (next - start > this.maxRecordBytes) return -1;
      this.lineEnd = j;
      return next;
    }
    return -1;
  }
}
