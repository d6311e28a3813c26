import type { CsvRecord } from './csv/record.js';
import { DatasetError } from '../node/errors.js';
import { fieldError, INT32_MAX, INT32_MIN, parseCentsBytes, parseIntBytes, parseTimestampBytes } from './fields.js';
import { REQUIRED_COLUMNS, type TableName } from './tables.js';

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
export interface StoreRowView {
  readonly storeId: number;
  storeName(): string;
}
export interface MenuItemRowView {
  readonly itemId: number;
  itemName(): string;
}
export interface UserRowView {
  readonly userId: number;
  birthdate(): string;
}
export interface TransactionRowView {
  readonly storeId: number;
  /** -1 for a guest. */
  readonly userId: number;
  readonly finalAmountCents: number;
  /** Epoch seconds. */
  readonly createdAt: number;
  transactionId(): string;
}
export interface TransactionItemRowView {
  readonly itemId: number;
  readonly quantity: number;
  readonly subtotalCents: number;
  readonly createdAt: number;
}
export interface RowViews {
  stores: StoreRowView;
  menu_items: MenuItemRowView;
  users: UserRowView;
  transactions: TransactionRowView;
  transaction_items: TransactionItemRowView;
}

/** One mutable row shared by every table (one hidden class keeps the hot path monomorphic). */
export class ParsedRow {
  storeId = 0;
  itemId = 0;
  userId = 0;
  quantity = 0;
  finalAmountCents = 0;
  subtotalCents = 0;
  createdAt = 0;
  /** The record and field index of the table's text column (-1 when none). */
  rec: CsvRecord | null = null;
  textField = -1;

  private text(): string {
    return this.rec !== null && this.textField >= 0 ? this.rec.text(this.textField) : '';
  }
  storeName(): string {
    return this.text();
  }
  itemName(): string {
    return this.text();
  }
  birthdate(): string {
    return this.text();
  }
  transactionId(): string {
    return this.text();
  }
}

const TABLE_KIND: Record<TableName, number> = { stores: 1, menu_items: 2, users: 3, transactions: 4, transaction_items: 5 };

function snippet(rec: CsvRecord, i: number): string {
  const t = rec.text(i);
  return t.length > 40 ? `${t.slice(0, 40)}...` : t;
}

/**
 * Validates a file's header and parses its records into `row`. Columns are located by name;
 * a missing required column is a DatasetError naming the file and column.
 */
export class RowParser {
  readonly row = new ParsedRow();
  readonly columns: number;
  private readonly kind: number;
  // Column indexes (meaning depends on the table; see parse()).
  private readonly c0: number;
  private readonly c1: number;
  private readonly c2: number;
  private readonly c3: number;
  private readonly c4: number;

  constructor(
    readonly table: TableName,
    header: CsvRecord,
    readonly file: string,
  ) {
    if (header.error !== null) throw new DatasetError(`${file}: malformed header row (${header.error}): fix the file's first line`);
    const names = header.toArray().map((s) => s.trim());
    const idx = (col: string): number => {
      const k = names.indexOf(col);
      if (k < 0)
        throw new DatasetError(
          `${file}: missing column '${col}' in the header row (a ${table} file needs ${REQUIRED_COLUMNS[table].join(', ')})`,
        );
      return k;
    };
    this.columns = header.fieldCount;
    this.kind = TABLE_KIND[table];
    const req = REQUIRED_COLUMNS[table] as readonly string[];
    // Validate all up front so the error names the first missing column.
    for (const c of req) idx(c);
    switch (table) {
      case 'stores':
        this.c0 = idx('store_id');
        this.c1 = idx('store_name');
        this.c2 = this.c3 = this.c4 = -1;
        break;
      case 'menu_items':
        this.c0 = idx('item_id');
        this.c1 = idx('item_name');
        this.c2 = this.c3 = this.c4 = -1;
        break;
      case 'users':
        this.c0 = idx('user_id');
        this.c1 = idx('birthdate');
        this.c2 = this.c3 = this.c4 = -1;
        break;
      case 'transactions':
        this.c0 = idx('store_id');
        this.c1 = idx('user_id');
        this.c2 = idx('final_amount');
        this.c3 = idx('created_at');
        this.c4 = idx('transaction_id');
        break;
      case 'transaction_items':
        this.c0 = idx('item_id');
        this.c1 = idx('quantity');
        this.c2 = idx('subtotal');
        this.c3 = idx('created_at');
        this.c4 = -1;
        break;
    }
    this.row.textField = this.kind === 5 ? -1 : this.kind === 4 ? this.c4 : this.c1;
  }

  /** Index of the table's text column in the file, or -1 (transaction_items). */
  get textField(): number {
    return this.row.textField;
  }

  /** Parses rec into this.row; returns null when valid, else the reject reason. */
  parse(rec: CsvRecord): string | null {
    if (rec.error !== null) return `malformed CSV: ${rec.error}`;
    if (rec.fieldCount !== this.columns) return `expected ${this.columns} columns, got ${rec.fieldCount}`;
    const row = this.row;
    row.rec = rec;
    const buf = rec.buf;
    const starts = rec.starts;
    const ends = rec.ends;
    let c: number;
    let v: number;
    switch (this.kind) {
      case 1: // stores
        c = this.c0;
        v = parseIntBytes(buf, starts[c], ends[c], 0, INT32_MAX);
        if (v !== v) return `store_id: ${fieldError()}: '${snippet(rec, c)}'`;
        row.storeId = v;
        return null;
      case 2: // menu_items
        c = this.c0;
        v = parseIntBytes(buf, starts[c], ends[c], 0, INT32_MAX);
        if (v !== v) return `item_id: ${fieldError()}: '${snippet(rec, c)}'`;
        row.itemId = v;
        return null;
      case 3: // users
        c = this.c0;
        v = parseIntBytes(buf, starts[c], ends[c], 0, INT32_MAX);
        if (v !== v) return `user_id: ${fieldError()}: '${snippet(rec, c)}'`;
        row.userId = v;
        return null;
      case 4: {
        // transactions
        c = this.c0;
        v = parseIntBytes(buf, starts[c], ends[c], 0, INT32_MAX);
        if (v !== v) return `store_id: ${fieldError()}: '${snippet(rec, c)}'`;
        row.storeId = v;
        c = this.c1;
        if (starts[c] === ends[c]) {
          row.userId = GUEST_USER_ID;
        } else {
          v = parseIntBytes(buf, starts[c], ends[c], 0, INT32_MAX);
          if (v !== v) return `user_id: ${fieldError()}: '${snippet(rec, c)}'`;
          row.userId = v;
        }
        c = this.c2;
        v = parseCentsBytes(buf, starts[c], ends[c]);
        if (v !== v) return `final_amount: ${fieldError()}: '${snippet(rec, c)}'`;
        row.finalAmountCents = v;
        c = this.c3;
        v = parseTimestampBytes(buf, starts[c], ends[c]);
        if (v !== v) return `created_at: ${fieldError()}: '${snippet(rec, c)}'`;
        row.createdAt = v;
        c = this.c4;
        if (starts[c] === ends[c]) return 'transaction_id: empty';
        if (ends[c] - starts[c] > MAX_TRANSACTION_ID_BYTES && rec.byteLength(c) > MAX_TRANSACTION_ID_BYTES) {
          return `transaction_id: longer than ${MAX_TRANSACTION_ID_BYTES} bytes`;
        }
        return null;
      }
      default: {
        // transaction_items
        c = this.c0;
        v = parseIntBytes(buf, starts[c], ends[c], 0, INT32_MAX);
        if (v !== v) return `item_id: ${fieldError()}: '${snippet(rec, c)}'`;
        row.itemId = v;
        c = this.c1;
        v = parseIntBytes(buf, starts[c], ends[c], INT32_MIN, INT32_MAX);
        if (v !== v) return `quantity: ${fieldError()}: '${snippet(rec, c)}'`;
        row.quantity = v;
        c = this.c2;
        v = parseCentsBytes(buf, starts[c], ends[c]);
        if (v !== v) return `subtotal: ${fieldError()}: '${snippet(rec, c)}'`;
        row.subtotalCents = v;
        c = this.c3;
        v = parseTimestampBytes(buf, starts[c], ends[c]);
        if (v !== v) return `created_at: ${fieldError()}: '${snippet(rec, c)}'`;
        row.createdAt = v;
        return null;
      }
    }
  }
}
