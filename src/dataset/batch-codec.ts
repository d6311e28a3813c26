import { endianness } from 'node:os';
import type { CsvRecord } from './csv/record.js';
import { BatchDecodeError } from '../node/errors.js';
import { TABLE_SPEC, TABLES, tableFromCode, type BatchOf, type TableName, type TableSpec } from './tables.js';

/**
 * Row batch wire encoding (little-endian, columnar):
 *   header: u8 0xCB, u8 version 1, u8 table code, u8 0, u32 rowCount
 *   numeric columns, rowCount x 4 bytes each, in the table's order;
 *   then at most one string column: u32 offsets[rowCount + 1] (offsets[0] = 0, non-decreasing)
 *   and the UTF-8 heap of offsets[rowCount] bytes.
 * Each table's columns (`numeric`, then `text`) come from its descriptor in `tables.ts`:
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

// ---------------------------------------------------------------- decoded views

export type StoresBatch = BatchOf<'stores'>;
export type MenuItemsBatch = BatchOf<'menu_items'>;
export type UsersBatch = BatchOf<'users'>;
export type TransactionsBatch = BatchOf<'transactions'>;
export type TransactionItemsBatch = BatchOf<'transaction_items'>;
export type DecodedBatch = { [T in TableName]: BatchOf<T> }[TableName];

/** Row i of a string column as a string. */
export function stringAt(offsets: Uint32Array, heap: Buffer, i: number): string {
  return heap.toString('utf8', offsets[i], offsets[i + 1]);
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
    const spec: TableSpec = TABLE_SPEC[table];
    this.code = spec.code;
    this.numeric = spec.numeric.length;
    this.hasString = spec.text !== null;
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

// ---------------------------------------------------------------- decoder

/** Property names of each table's decoded text column, computed once. */
const TEXT_KEYS = Object.fromEntries(
  TABLES.map((t) => {
    const text = (TABLE_SPEC[t] as TableSpec).text;
    return [t, text === null ? null : { offsets: `${text.batchField}Offsets`, heap: `${text.batchField}Heap` }];
  }),
) as Record<TableName, { offsets: string; heap: string } | null>;

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
  const spec: TableSpec = TABLE_SPEC[table];
  const numBytes = count * 4 * spec.numeric.length;
  const fixed = BATCH_HEADER_BYTES + numBytes + (spec.text !== null ? 4 * (count + 1) : 0);
  if (payload.length < fixed)
    throw new BatchDecodeError(`batch truncated: ${payload.length} bytes for ${count} ${table} rows (at least ${fixed} needed)`);
  if (spec.text === null && payload.length !== fixed)
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
  // Built in one shape per table (same keys, same order), so readers of a table stay monomorphic.
  const out: Record<string, unknown> = { table, count };
  for (const c of spec.numeric) out[c.field] = c.wire === 'i32' ? i32() : u32();
  const keys = TEXT_KEYS[table];
  if (keys !== null) {
    const s = str();
    out[keys.offsets] = s.offsets;
    out[keys.heap] = s.heap;
  }
  return out as unknown as DecodedBatch;
}
