import type { CsvRecord } from './csv/record.js';
import { DatasetError } from '../node/errors.js';
import { fieldError, INT32_MAX, INT32_MIN, parseCentsBytes, parseIntBytes, parseTimestampBytes } from './fields.js';
import { requiredColumns, TABLE_SPEC, type RowView, type TableName, type TableSpec } from './tables.js';

/** A row skipped because it breaks the parsing rules. */
export interface RejectedRow {
  /** Path relative to the data dir, '/'-separated, e.g. 'transactions/transactions_202401.csv'. */
  file: string;
  /** 1-based line where the record starts. */
  line: number;
  reason: string;
}

/** Transaction ids longer than this (UTF-8 bytes) are rejected. */
export const MAX_TRANSACTION_ID_BYTES = 255;
/** transactions.user_id of a guest purchase. */
export const GUEST_USER_ID = -1;

/** Per-table views of a parsed row (the same reused object; read it inside the visitor). */
export type StoreRowView = RowView<'stores'>;
export type MenuItemRowView = RowView<'menu_items'>;
export type UserRowView = RowView<'users'>;
export type TransactionRowView = RowView<'transactions'>;
export type TransactionItemRowView = RowView<'transaction_items'>;
export type RowViews = { [T in TableName]: RowView<T> };

// Numeric parse kinds as small integers: the per-field switch of the hot loop.
export const ID = 0;
export const ID_OR_GUEST = 1;
export const INT32 = 2;
export const CENTS = 3;
export const TIMESTAMP = 4;
const KIND = { id: ID, 'id-or-guest': ID_OR_GUEST, int32: INT32, cents: CENTS, timestamp: TIMESTAMP } as const;

/** The parser state a row view reads: numeric values in wire order, the record and its text field. */
interface RowSource {
  readonly values: Float64Array;
  rec: CsvRecord | null;
  readonly textField: number;
}

type ViewConstructor = new (src: RowSource) => object;

/**
 * One view class per table, its getters made from the descriptor: `row.createdAt` reads
 * values[3] of the transactions parser. A class per table keeps each visitor monomorphic.
 */
function viewClass(spec: TableSpec): ViewConstructor {
  class View {
    constructor(readonly src: RowSource) {}
  }
  spec.numeric.forEach((c, k) => {
    Object.defineProperty(View.prototype, c.field, {
      get(this: View): number {
        return this.src.values[k];
      },
    });
  });
  if (spec.text !== null) {
    Object.defineProperty(View.prototype, spec.text.field, {
      value(this: View): string {
        const { rec, textField } = this.src;
        return rec === null ? '' : rec.text(textField);
      },
    });
  }
  return View;
}

const VIEW_CLASSES = new Map<TableName, ViewConstructor>();

function snippet(rec: CsvRecord, i: number): string {
  const t = rec.text(i);
  return t.length > 40 ? `${t.slice(0, 40)}...` : t;
}

/**
 * Validates a file's header and parses its records, driven by the table's descriptor: the
 * numeric columns into `values` (wire order), the text column left in the record. Columns are
 * located by name; a missing required column is a DatasetError naming the file and column.
 */
export class RowParser<T extends TableName = TableName> implements RowSource {
  /** A view of the last parsed row, named by the descriptor's fields. */
  readonly row: RowView<T>;
  /** Numeric values of the last parsed row, in wire order. */
  readonly values: Float64Array;
  rec: CsvRecord | null = null;
  /** Number of fields every record must have (the header's). */
  readonly columns: number;
  /** Index of the table's text column in the file, or -1 (transaction_items). */
  readonly textField: number;
  private readonly fields: Int32Array;
  private readonly kinds: Uint8Array;
  private readonly names: string[];
  private readonly textIsRecordId: boolean;

  constructor(
    readonly table: T,
    header: CsvRecord,
    readonly file: string,
  ) {
    if (header.error !== null) throw new DatasetError(`${file}: malformed header row (${header.error}): fix the file's first line`);
    const names = header.toArray().map((s) => s.trim());
    const required = requiredColumns(table);
    // Validate all up front so the error names the first missing column.
    for (const col of required) {
      if (!names.includes(col))
        throw new DatasetError(`${file}: missing column '${col}' in the header row (a ${table} file needs ${required.join(', ')})`);
    }
    const spec: TableSpec = TABLE_SPEC[table];
    this.columns = header.fieldCount;
    this.values = new Float64Array(spec.numeric.length);
    this.fields = Int32Array.from(spec.numeric, (c) => names.indexOf(c.csv));
    this.kinds = Uint8Array.from(spec.numeric, (c) => KIND[c.parse]);
    this.names = spec.numeric.map((c) => c.csv);
    this.textField = spec.text === null ? -1 : names.indexOf(spec.text.csv);
    this.textIsRecordId = spec.text?.parse === 'record-id';
    let View = VIEW_CLASSES.get(table);
    if (View === undefined) VIEW_CLASSES.set(table, (View = viewClass(spec)));
    this.row = new View(this) as RowView<T>;
  }

  /**
   * What each column of the file is to the parser, for the fast path (fast-rows.ts): per column,
   * the numeric value's wire index or -1, that value's parse kind, and whether it is the text
   * column. Read once per file.
   */
  columnPlan(): { wireIndex: Int32Array; kind: Uint8Array; isText: Uint8Array; textIsRecordId: boolean } {
    const wireIndex = new Int32Array(this.columns).fill(-1);
    const kind = new Uint8Array(this.columns);
    const isText = new Uint8Array(this.columns);
    this.fields.forEach((c, k) => {
      wireIndex[c] = k;
      kind[c] = this.kinds[k];
    });
    if (this.textField >= 0) isText[this.textField] = 1;
    return { wireIndex, kind, isText, textIsRecordId: this.textIsRecordId };
  }

  /** Parses rec (numeric columns into `values`); returns null when valid, else the reject reason. */
  parse(rec: CsvRecord): string | null {
    if (rec.error !== null) return `malformed CSV: ${rec.error}`;
    if (rec.fieldCount !== this.columns) return `expected ${this.columns} columns, got ${rec.fieldCount}`;
    this.rec = rec;
    const { buf, starts, ends } = rec;
    const { fields, kinds, values } = this;
    for (let k = 0; k < fields.length; k++) {
      const c = fields[k];
      const s = starts[c];
      const e = ends[c];
      let v: number;
      switch (kinds[k]) {
        case ID_OR_GUEST:
          v = s === e ? GUEST_USER_ID : parseIntBytes(buf, s, e, 0, INT32_MAX);
          break;
        case INT32:
          v = parseIntBytes(buf, s, e, INT32_MIN, INT32_MAX);
          break;
        case CENTS:
          v = parseCentsBytes(buf, s, e);
          break;
        case TIMESTAMP:
          v = parseTimestampBytes(buf, s, e);
          break;
        default:
          v = parseIntBytes(buf, s, e, 0, INT32_MAX);
      }
      if (v !== v) return `${this.names[k]}: ${fieldError()}: '${snippet(rec, c)}'`;
      values[k] = v;
    }
    if (this.textIsRecordId) {
      const c = this.textField;
      if (starts[c] === ends[c]) return 'transaction_id: empty';
      if (ends[c] - starts[c] > MAX_TRANSACTION_ID_BYTES && rec.byteLength(c) > MAX_TRANSACTION_ID_BYTES) {
        return `transaction_id: longer than ${MAX_TRANSACTION_ID_BYTES} bytes`;
      }
    }
    return null;
  }
}
