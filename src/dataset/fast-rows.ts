import type { BatchEncoder } from './batch-codec.js';
import { INT32_MAX, INT32_MIN, parseCentsBytes, parseIntBytes, parseTimestampBytes } from './fields.js';
import { UUID_TEXT_BYTES } from './uuid-bytes.js';
import { CENTS, GUEST_USER_ID, ID_OR_GUEST, INT32, TIMESTAMP, type RowParser } from './rows.js';

const COMMA = 0x2c;
const DOT = 0x2e;
const ZERO = 0x30;
const LF = 0x0a;
const CR = 0x0d;
/** A timestamp is fixed-width, like a lowercase canonical UUID: both read in place, never scanned. */
const TIMESTAMP_BYTES = 19;
/** 0x2d ('-') in every byte: a 32-bit word has a byte below '-' (',', CR, LF among them) iff ((w - WORD_DASHES) & ~w & WORD_HIGH_BITS) !== 0. */
const WORD_DASHES = 0x2d2d2d2d;
const WORD_HIGH_BITS = 0x80808080;

/** What the generated code calls: the field parsers and the encoder (the only names it sees). */
type DecodeFn = (buf: Uint8Array, start: number, enc: BatchEncoder) => number;
type DecodeFactory = (
  parseTimestamp: typeof parseTimestampBytes,
  parseInt: typeof parseIntBytes,
  parseCents: typeof parseCentsBytes,
  self: DecoderState,
) => DecodeFn;

/** What the generated code keeps between lines: where the last line ended, and a DataView of the buffer it reads. */
interface DecoderState {
  lineEnd: number;
  viewOf(buf: Uint8Array): DataView;
}

/**
 * One factory per distinct source (a table's files share their plan): the decoders of later files
 * are closures of the same compiled function, so V8's optimized code and type feedback carry over
 * from file to file instead of warming up again for each.
 */
const FACTORIES = new Map<string, DecodeFactory>();

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
 *
 * The decoder is generated for the file's column plan, straight-line code with one block per
 * column, like a query engine's compiled scan: a loop over the columns that looked up each one's
 * role and parse kind per row cost 18–27 % more (issue 11, measured on scale-0.33 files). Only
 * numbers from the plan (column count, wire indexes, parse kinds) reach the generated source,
 * never a byte of the file.
 */
export class FastRowDecoder implements DecoderState {
  /** Position of the last decoded line's terminator (its LF, or the CR of its CRLF). */
  lineEnd = 0;
  private view: DataView = new DataView(new ArrayBuffer(0));
  private viewed: Uint8Array | null = null;
  /**
   * Decodes the line starting at buf[start] into the encoder's current row (not committed).
   * Returns the position after its line end, or -1 when the line is not for the fast path.
   */
  readonly decode: DecodeFn;

  private constructor(private readonly source: string) {
    let factory = FACTORIES.get(source);
    if (factory === undefined) {
      // eslint-disable-next-line @typescript-eslint/no-implied-eval -- the compiled scan above: its source is built from numbers only
      factory = new Function('parseTimestamp', 'parseInt', 'parseCents', 'self', source) as DecodeFactory;
      FACTORIES.set(source, factory);
    }
    this.decode = factory(parseTimestampBytes, parseIntBytes, parseCentsBytes, this);
  }

  /** A DataView of `buf` (the parser's buffer changes once per chunk, so it is made once per chunk). */
  viewOf(buf: Uint8Array): DataView {
    if (buf !== this.viewed) {
      this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
      this.viewed = buf;
    }
    return this.view;
  }

  /**
   * The decoder for a file whose header `rp` read, or null for a table it does not serve: one
   * whose text column is not the record id (the small reference tables keep the generic path).
   * `previous` (the last file's decoder of the same read) is returned when the plan is the same:
   * one decode function for a whole table keeps its callers' compiled code valid (a new one per
   * file made V8 compile the reader's loop again for each file, issue 11).
   */
  static for(rp: Pick<RowParser, 'columnPlan'>, maxRecordBytes: number, previous: FastRowDecoder | null = null): FastRowDecoder | null {
    const plan = rp.columnPlan();
    if (plan.isText.includes(1) && !plan.textIsRecordId) return null;
    // No limit is a limit no line reaches (the generated source holds integers only).
    const limit = Number.isFinite(maxRecordBytes) ? Math.floor(maxRecordBytes) : Number.MAX_SAFE_INTEGER;
    const source = decoderSource(plan, limit);
    return previous !== null && previous.source === source ? previous : new FastRowDecoder(source);
  }
}

/** A numeric field's conversion (the generic path's, rows.ts), as an expression over buf[i..j). */
function parseExpression(kind: number): string {
  switch (kind) {
    case ID_OR_GUEST:
      return `i === j ? ${GUEST_USER_ID} : parseInt(buf, i, j, 0, ${INT32_MAX})`;
    case INT32:
      return `parseInt(buf, i, j, ${INT32_MIN}, ${INT32_MAX})`;
    case CENTS:
      return 'parseCents(buf, i, j)';
    default:
      return `parseInt(buf, i, j, 0, ${INT32_MAX})`;
  }
}

/**
 * Reads a needed number from buf[i] while scanning it, when it has the plain shape the data
 * almost always has: 1-9 digits (ids and int32) with an optional '.' and zeros ('2080.0'), or
 * 1-7 digits and at most two decimals (cents; 7 digits keep cents within int32). Leaves `ok`
 * false on anything else (a sign, a space, more digits, a third decimal), `j` on the first byte
 * it did not take; the field parser then reads the whole field, so the value is always the
 * generic path's.
 */
function fusedNumber(kind: number): string[] {
  const digits = ['v = 0;', `for (; j < len; j++) { const d = buf[j] - ${ZERO}; if (d < 0 || d > 9) break; v = v * 10 + d; }`];
  if (kind === CENTS)
    return [
      ...digits,
      'ok = j > i && j - i <= 7;',
      `if (ok && j < len && buf[j] === ${DOT}) {`,
      '  j++;',
      `  const d1 = j < len ? buf[j] - ${ZERO} : -1;`,
      '  if (d1 < 0 || d1 > 9) ok = false;',
      '  else {',
      '    j++;',
      `    const d2 = j < len ? buf[j] - ${ZERO} : -1;`,
      '    if (d2 >= 0 && d2 <= 9) {',
      '      v = v * 100 + d1 * 10 + d2;',
      '      j++;',
      '    } else v = v * 100 + d1 * 10;',
      '  }',
      '} else v *= 100;',
    ];
  return [
    ...digits,
    'ok = j > i && j - i <= 9;',
    `if (ok && j < len && buf[j] === ${DOT}) {`,
    '  const f = ++j;',
    `  while (j < len && buf[j] === ${ZERO}) j++;`,
    '  ok = j > f;',
    '}',
  ];
}

/** The body of the factory: returns the decode function for this column plan. */
function decoderSource(plan: ReturnType<RowParser['columnPlan']>, maxRecordBytes: number): string {
  const int = (n: number): number => {
    if (!Number.isSafeInteger(n)) throw new Error(`fast-rows: ${n} is not an integer`);
    return n;
  };
  const last = plan.wireIndex.length - 1;
  const lines = ['const len = buf.length;', 'let i = start;', 'let j = 0;', 'let v = 0;', 'let ok = false;'];
  for (let c = 0; c <= last; c++) {
    const k = int(plan.wireIndex[c]);
    lines.push(`// column ${c}`);
    if (plan.isText[c] === 1) {
      lines.push(`j = i + ${UUID_TEXT_BYTES};`, 'if (j >= len || !enc.tryPackUuid(buf, i)) return -1;');
    } else if (k >= 0 && plan.kind[c] === TIMESTAMP) {
      lines.push(
        `j = i + ${TIMESTAMP_BYTES};`,
        'if (j >= len) return -1;',
        'v = parseTimestamp(buf, i, j);',
        'if (v !== v) return -1;',
        `enc.setNum(${k}, v);`,
      );
    } else {
      lines.push('j = i;');
      // An unneeded field as wide as a UUID (the items' transaction_id: half of their bytes) is
      // skipped four bytes at a time while no byte is below '-'; the byte loop then finds its end
      // exactly. Any other field costs one byte read more.
      if (k < 0)
        lines.push(
          `if (i + ${UUID_TEXT_BYTES} < len && buf[i + ${UUID_TEXT_BYTES}] === ${COMMA}) {`,
          '  const view = self.viewOf(buf);',
          `  for (; j < i + ${UUID_TEXT_BYTES}; j += 4) { const w = view.getUint32(j, true); if (((w - ${WORD_DASHES}) & ~w & ${WORD_HIGH_BITS}) !== 0) break; }`,
          '}',
        );
      const kind = int(plan.kind[c]);
      // A needed number in its plain shape is read while it is scanned (fusedNumber); any other
      // shape, and every unneeded field, is scanned to its end (bytes read so far are digits, '.'
      // or '0': none ends a field), then a needed one goes through the field parser.
      if (k >= 0) lines.push(...fusedNumber(kind));
      // Digits, letters, '-', '.', ':' are all above ','; one comparison for almost every byte.
      const scan = [
        `for (; j < len; j++) { const ch = buf[j]; if (ch <= ${COMMA} && (ch === ${COMMA} || ch === ${LF} || ch === ${CR})) break; }`,
        'if (j >= len) return -1;',
      ];
      if (k < 0) lines.push(...scan);
      else
        lines.push(
          `if (!ok || j >= len || (buf[j] !== ${COMMA} && buf[j] !== ${LF} && buf[j] !== ${CR})) {`,
          ...scan.map((l) => `  ${l}`),
          `  v = ${parseExpression(kind)};`,
          '  if (v !== v) return -1;',
          '}',
          `enc.setNum(${k}, v);`,
        );
    }
    if (c < last) {
      lines.push(`if (buf[j] !== ${COMMA}) return -1;`, 'i = j + 1;');
      continue;
    }
    // A lone CR, another field, or the end of the buffer: the generic path decides.
    lines.push(
      'let next = -1;',
      `if (buf[j] === ${LF}) next = j + 1;`,
      `else if (buf[j] === ${CR} && j + 1 < len && buf[j + 1] === ${LF}) next = j + 2;`,
      `if (next < 0 || next - start > ${int(maxRecordBytes)}) return -1;`,
      'self.lineEnd = j;',
      'return next;',
    );
  }
  if (last < 0) lines.push('return -1;');
  return `return function decode(buf, start, enc) {\n  ${lines.join('\n  ')}\n};`;
}
