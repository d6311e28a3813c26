import { endianness } from 'node:os';
import type { CsvRecord } from './csv/record.js';
import { BatchDecodeError } from '../node/errors.js';
import { TABLE_CODES, tableFromCode, type TableName } from './tables.js';

/**
 * Row batch wire encoding (little-endian, columnar):
 *   header: u8 0xCB, u8 version 1, u8 table code, u8 0, u32 rowCount
 *   numeric columns, rowCount x 4 bytes each, in the table's order;
 *   then at most one string column: u32 offsets[rowCount + 1] (offsets[0] = 0, non-decreasing)
 *   and the UTF-8 heap of offsets[rowCount] bytes.
 *     transactions:      store_id u32, user_id i32 (-1 guest), final_amount_cents i32, created_at u32, transaction_id str
 *     transaction_items: item_id u32, quantity i32, subtotal_cents i32, created_at u32
 *     users:             user_id u32, birthdate str
 *     stores:            store_id u32, store_name str
 *     menu_items:        item_id u32, item_name str
 * Typed arrays are used directly on the bytes, which assumes a little-endian host.
 */
if (endianness() !== 'LE') throw new Error('batch codec: little-endian host required');

export const BATCH_MAGIC = 0xcb;
export const BATCH_VERSION = 1;
export const BATCH_HEADER_BYTES = 8;

/** Numeric column count and whether a string column follows. */
export const BATCH_LAYOUT: Record<TableName, { numeric: number; string: boolean }> = {
  stores: { numeric: 1, string: true },
  menu_items: { numeric: 1, string: true },
  users: { numeric: 1, string: true },
  transactions: { numeric: 4, string: true },
  transaction_items: { numeric: 4, string: false },
};

// ---------------------------------------------------------------- plain rows

export interface StoreRow {
  storeId: number;
  storeName: string;
}
export interface MenuItemRow {
  itemId: number;
  itemName: string;
}
export interface UserRow {
  userId: number;
  birthdate: string;
}
export interface TransactionRow {
  transactionId: string;
  storeId: number;
  /** -1 for a guest. */
  userId: number;
  finalAmountCents: number;
  /** Epoch seconds. */
  createdAt: number;
}
export interface TransactionItemRow {
  itemId: number;
  quantity: number;
  subtotalCents: number;
  createdAt: number;
}
export interface PlainRows {
  stores: StoreRow;
  menu_items: MenuItemRow;
  users: UserRow;
  transactions: TransactionRow;
  transaction_items: TransactionItemRow;
}

// ---------------------------------------------------------------- decoded views

export interface StoresBatch {
  table: 'stores';
  count: number;
  storeId: Uint32Array;
  nameOffsets: Uint32Array;
  nameHeap: Buffer;
}
export interface MenuItemsBatch {
  table: 'menu_items';
  count: number;
  itemId: Uint32Array;
  nameOffsets: Uint32Array;
  nameHeap: Buffer;
}
export interface UsersBatch {
  table: 'users';
  count: number;
  userId: Uint32Array;
  birthdateOffsets: Uint32Array;
  birthdateHeap: Buffer;
}
export interface TransactionsBatch {
  table: 'transactions';
  count: number;
  storeId: Uint32Array;
  userId: Int32Array;
  finalAmountCents: Int32Array;
  createdAt: Uint32Array;
  idOffsets: Uint32Array;
  idHeap: Buffer;
}
export interface TransactionItemsBatch {
  table: 'transaction_items';
  count: number;
  itemId: Uint32Array;
  quantity: Int32Array;
  subtotalCents: Int32Array;
  createdAt: Uint32Array;
}
export type DecodedBatch = StoresBatch | MenuItemsBatch | UsersBatch | TransactionsBatch | TransactionItemsBatch;
export interface DecodedBatches {
  stores: StoresBatch;
  menu_items: MenuItemsBatch;
  users: UsersBatch;
  transactions: TransactionsBatch;
  transaction_items: TransactionItemsBatch;
}

/** Row i of a string column as a string. */
export function stringAt(offsets: Uint32Array, heap: Buffer, i: number): string {
  return heap.toString('utf8', offsets[i], offsets[i + 1]);
}

/** Row i of a string column as bytes (a view into the heap, no copy). */
export function bytesAt(offsets: Uint32Array, heap: Buffer, i: number): Buffer {
  return heap.subarray(offsets[i], offsets[i + 1]);
}

/** The string column of a decoded batch (null for transaction_items). */
export function stringColumn(b: DecodedBatch): { offsets: Uint32Array; heap: Buffer } | null {
  switch (b.table) {
    case 'stores':
    case 'menu_items':
      return { offsets: b.nameOffsets, heap: b.nameHeap };
    case 'users':
      return { offsets: b.birthdateOffsets, heap: b.birthdateHeap };
    case 'transactions':
      return { offsets: b.idOffsets, heap: b.idHeap };
    default:
      return null;
  }
}

// ---------------------------------------------------------------- encoder

/**
 * Appends rows column by column into growing arrays; `finish()` lays them out. Per row:
 * setNum(col, v) for each numeric column, setString*(...) for the string column (if any),
 * then commitRow(). Allocation-free per row (amortised growth).
 */
export class BatchEncoder {
  readonly code: number;
  readonly numeric: number;
  readonly hasString: boolean;
  rows = 0;
  private cap: number;
  private cols: Int32Array[];
  private offsets: Uint32Array;
  private heap: Buffer;
  private heapLen = 0;

  constructor(
    readonly table: TableName,
    initialRows = 1024,
  ) {
    this.code = TABLE_CODES[table];
    const layout = BATCH_LAYOUT[table];
    this.numeric = layout.numeric;
    this.hasString = layout.string;
    this.cap = Math.max(16, initialRows);
    this.cols = [];
    for (let k = 0; k < this.numeric; k++) this.cols.push(new Int32Array(this.cap));
    this.offsets = new Uint32Array(this.hasString ? this.cap + 1 : 1);
    this.heap = Buffer.allocUnsafe(this.hasString ? this.cap * 16 : 0);
  }

  /** Encoded size if finished now. */
  get byteLength(): number {
    return BATCH_HEADER_BYTES + this.rows * 4 * this.numeric + (this.hasString ? 4 * (this.rows + 1) + this.heapLen : 0);
  }

  /** Bytes one more row would add (its string column being strBytes long). */
  rowBytes(strBytes: number): number {
    return 4 * this.numeric + (this.hasString ? 4 + strBytes : 0);
  }

  /** Sets numeric column `col` of the current row (u32 values are stored by their bits). */
  setNum(col: number, v: number): void {
    this.cols[col][this.rows] = v;
  }

  private reserveHeap(n: number): void {
    const need = this.heapLen + n;
    if (need <= this.heap.length) return;
    const next = Buffer.allocUnsafe(Math.max(need, this.heap.length * 2));
    this.heap.copy(next, 0, 0, this.heapLen);
    this.heap = next;
  }

  setStringBytes(src: Uint8Array, start: number, end: number): void {
    const n = end - start;
    this.reserveHeap(n);
    this.heap.set(src.subarray(start, end), this.heapLen);
    this.heapLen += n;
  }

  setStringFromRecord(rec: CsvRecord, field: number): void {
    const s = rec.starts[field];
    const e = rec.ends[field];
    this.reserveHeap(e - s); // the unescaped field is never longer than its raw bytes
    this.heapLen += rec.copyTo(field, this.heap, this.heapLen);
  }

  setString(s: string): void {
    this.reserveHeap(Buffer.byteLength(s, 'utf8'));
    this.heapLen += this.heap.write(s, this.heapLen, 'utf8');
  }

  commitRow(): void {
    this.rows++;
    if (this.hasString) this.offsets[this.rows] = this.heapLen;
    if (this.rows === this.cap) this.grow();
  }

  private grow(): void {
    const cap = this.cap * 2;
    for (let k = 0; k < this.numeric; k++) {
      const c = new Int32Array(cap);
      c.set(this.cols[k]);
      this.cols[k] = c;
    }
    if (this.hasString) {
      const o = new Uint32Array(cap + 1);
      o.set(this.offsets);
      this.offsets = o;
    }
    this.cap = cap;
  }

  /** The payload of the rows appended so far; the encoder is then empty and reusable. */
  finish(): Buffer {
    const rows = this.rows;
    const out = Buffer.allocUnsafe(this.byteLength);
    out[0] = BATCH_MAGIC;
    out[1] = BATCH_VERSION;
    out[2] = this.code;
    out[3] = 0;
    out.writeUInt32LE(rows, 4);
    let off = BATCH_HEADER_BYTES;
    const colBytes = rows * 4;
    for (let k = 0; k < this.numeric; k++) {
      out.set(new Uint8Array(this.cols[k].buffer, 0, colBytes), off);
      off += colBytes;
    }
    if (this.hasString) {
      this.offsets[0] = 0;
      out.set(new Uint8Array(this.offsets.buffer, 0, 4 * (rows + 1)), off);
      off += 4 * (rows + 1);
      this.heap.copy(out, off, 0, this.heapLen);
      off += this.heapLen;
    }
    this.rows = 0;
    this.heapLen = 0;
    return out;
  }
}

/** Appends one plain row to an encoder. */
export function appendRow<T extends TableName>(enc: BatchEncoder, table: T, row: PlainRows[T]): void {
  switch (table) {
    case 'stores': {
      const r = row as StoreRow;
      enc.setNum(0, r.storeId);
      enc.setString(r.storeName);
      break;
    }
    case 'menu_items': {
      const r = row as MenuItemRow;
      enc.setNum(0, r.itemId);
      enc.setString(r.itemName);
      break;
    }
    case 'users': {
      const r = row as UserRow;
      enc.setNum(0, r.userId);
      enc.setString(r.birthdate);
      break;
    }
    case 'transactions': {
      const r = row as TransactionRow;
      enc.setNum(0, r.storeId);
      enc.setNum(1, r.userId);
      enc.setNum(2, r.finalAmountCents);
      enc.setNum(3, r.createdAt);
      enc.setString(r.transactionId);
      break;
    }
    case 'transaction_items': {
      const r = row as TransactionItemRow;
      enc.setNum(0, r.itemId);
      enc.setNum(1, r.quantity);
      enc.setNum(2, r.subtotalCents);
      enc.setNum(3, r.createdAt);
      break;
    }
  }
  enc.commitRow();
}

/** Encodes plain row objects into one payload (tests, small data). */
export function encodeRows<T extends TableName>(table: T, rows: readonly PlainRows[T][]): Buffer {
  const enc = new BatchEncoder(table, rows.length + 1);
  for (const r of rows) appendRow(enc, table, r);
  return enc.finish();
}

// ---------------------------------------------------------------- decoder

/** Decodes and validates a payload; the typed arrays view the payload's bytes (or an aligned copy). */
export function decodeBatch(payload: Buffer): DecodedBatch {
  if (payload.length < BATCH_HEADER_BYTES)
    throw new BatchDecodeError(`batch too short: ${payload.length} bytes, the header alone is ${BATCH_HEADER_BYTES}`);
  if (payload[0] !== BATCH_MAGIC) throw new BatchDecodeError(`bad batch magic 0x${payload[0].toString(16)} (expected 0xcb)`);
  if (payload[1] !== BATCH_VERSION) throw new BatchDecodeError(`unsupported batch version ${payload[1]} (expected ${BATCH_VERSION})`);
  const table = tableFromCode(payload[2]);
  if (table === undefined) throw new BatchDecodeError(`unknown table code ${payload[2]}`);
  if (payload[3] !== 0) throw new BatchDecodeError(`reserved header byte is ${payload[3]} (expected 0)`);
  const count = payload.readUInt32LE(4);
  const layout = BATCH_LAYOUT[table];
  const numBytes = count * 4 * layout.numeric;
  const fixed = BATCH_HEADER_BYTES + numBytes + (layout.string ? 4 * (count + 1) : 0);
  if (payload.length < fixed)
    throw new BatchDecodeError(`batch truncated: ${payload.length} bytes for ${count} ${table} rows (at least ${fixed} needed)`);
  if (!layout.string && payload.length !== fixed)
    throw new BatchDecodeError(`batch length ${payload.length} does not match ${count} ${table} rows (${fixed} expected)`);
  // Typed arrays need 4-byte alignment: copy when the payload is not aligned.
  let buf = payload;
  if (buf.byteOffset % 4 !== 0) {
    const copy = new Uint8Array(payload.length);
    copy.set(payload);
    buf = Buffer.from(copy.buffer, 0, copy.length);
  }
  const ab = buf.buffer;
  const base = buf.byteOffset;
  let off = BATCH_HEADER_BYTES;
  const u32 = (): Uint32Array => {
    const a = new Uint32Array(ab, base + off, count);
    off += count * 4;
    return a;
  };
  const i32 = (): Int32Array => {
    const a = new Int32Array(ab, base + off, count);
    off += count * 4;
    return a;
  };
  const str = (): { offsets: Uint32Array; heap: Buffer } => {
    const offsets = new Uint32Array(ab, base + off, count + 1);
    off += 4 * (count + 1);
    if (offsets[0] !== 0) throw new BatchDecodeError(`string offsets must start at 0 (got ${offsets[0]})`);
    let prev = 0;
    for (let i = 1; i <= count; i++) {
      const o = offsets[i];
      if (o < prev) throw new BatchDecodeError(`string offsets decrease at row ${i - 1} (${prev} > ${o})`);
      prev = o;
    }
    const heapLen = offsets[count];
    if (buf.length !== off + heapLen) {
      throw new BatchDecodeError(
        `batch length ${buf.length} does not match ${count} ${table} rows with a ${heapLen}-byte string heap (${off + heapLen} expected)`,
      );
    }
    return { offsets, heap: buf.subarray(off, off + heapLen) };
  };
  switch (table) {
    case 'stores': {
      const storeId = u32();
      const s = str();
      return { table, count, storeId, nameOffsets: s.offsets, nameHeap: s.heap };
    }
    case 'menu_items': {
      const itemId = u32();
      const s = str();
      return { table, count, itemId, nameOffsets: s.offsets, nameHeap: s.heap };
    }
    case 'users': {
      const userId = u32();
      const s = str();
      return { table, count, userId, birthdateOffsets: s.offsets, birthdateHeap: s.heap };
    }
    case 'transactions': {
      const storeId = u32();
      const userId = i32();
      const finalAmountCents = i32();
      const createdAt = u32();
      const s = str();
      return { table, count, storeId, userId, finalAmountCents, createdAt, idOffsets: s.offsets, idHeap: s.heap };
    }
    case 'transaction_items': {
      const itemId = u32();
      const quantity = i32();
      const subtotalCents = i32();
      const createdAt = u32();
      return { table, count, itemId, quantity, subtotalCents, createdAt };
    }
  }
}

/** Decodes a payload back into plain row objects (tests, diagnostics). */
export function decodeRows(payload: Buffer): { [T in TableName]: { table: T; rows: PlainRows[T][] } }[TableName] {
  const b = decodeBatch(payload);
  switch (b.table) {
    case 'stores':
      return {
        table: b.table,
        rows: Array.from({ length: b.count }, (_, i) => ({ storeId: b.storeId[i], storeName: stringAt(b.nameOffsets, b.nameHeap, i) })),
      };
    case 'menu_items':
      return {
        table: b.table,
        rows: Array.from({ length: b.count }, (_, i) => ({ itemId: b.itemId[i], itemName: stringAt(b.nameOffsets, b.nameHeap, i) })),
      };
    case 'users':
      return {
        table: b.table,
        rows: Array.from({ length: b.count }, (_, i) => ({
          userId: b.userId[i],
          birthdate: stringAt(b.birthdateOffsets, b.birthdateHeap, i),
        })),
      };
    case 'transactions':
      return {
        table: b.table,
        rows: Array.from({ length: b.count }, (_, i) => ({
          transactionId: stringAt(b.idOffsets, b.idHeap, i),
          storeId: b.storeId[i],
          userId: b.userId[i],
          finalAmountCents: b.finalAmountCents[i],
          createdAt: b.createdAt[i],
        })),
      };
    case 'transaction_items':
      return {
        table: b.table,
        rows: Array.from({ length: b.count }, (_, i) => ({
          itemId: b.itemId[i],
          quantity: b.quantity[i],
          subtotalCents: b.subtotalCents[i],
          createdAt: b.createdAt[i],
        })),
      };
  }
}
