import { endianness } from 'node:os';
import type { CsvRecord } from './csv/record.js';
import { BatchDecodeError } from '../node/errors.js';
import { packedLayout, readPacked, writePacked, type PackedLayout } from './packed-ints.js';
import { packUuid, unpackUuid, UUID_BYTES, UUID_TEXT_BYTES } from './uuid-bytes.js';
import { TABLE_SPEC, TABLES, tableFromCode, type BatchOf, type TableName, type TableSpec } from './tables.js';

/**
 * Row batch wire encoding (little-endian, columnar). Version 2, written by the encoder:
 *   header: u8 0xCB, u8 version 2, u8 table code, u8 0, u32 rowCount
 *   per numeric column, in the table's order: u8 width (1..4), i32 base, then rowCount
 *     unsigned `width`-byte deltas; value = base + delta (mod 2^32). The encoder picks the
 *     column's minimum as base and the fewest bytes that hold max - min (a month of
 *     timestamps fits 3 bytes, store and item ids 1), so most columns shrink from 4 bytes;
 *     never 0 bytes, so the payload's length bounds rowCount.
 *   then at most one text column: u8 mode and
 *     mode 0: u32 offsets[rowCount + 1] (offsets[0] = 0, non-decreasing), the UTF-8 heap of
 *             offsets[rowCount] bytes;
 *     mode 1: rowCount x 16 bytes, each the 128 bits of a lowercase canonical UUID
 *             (8-4-4-4-12 hex digits, 36 bytes of text); decoded back to exactly that text.
 *     mode 2: mode 1 for some rows only, for a table whose queries need the text of some rows
 *             only (`textNeeded` in tables.ts: transaction ids, for Q1's rows of >= 75.00):
 *             ceil(rowCount / 8) bytes of presence bits (row i: bit i % 8 of byte i / 8; the
 *             bits past rowCount 0), then 16 bytes per present row, in row order. An absent
 *             row's text decodes as empty; every row that needs its text must be present.
 *     The encoder uses mode 1 when every value of the batch is such a UUID (mode 2 when that
 *     leaves out at least one row the queries do not need), else mode 0.
 * Version 1 (every numeric column rowCount x 4 bytes, no width/base; the text column as mode
 * 0 without the mode byte) is still decoded.
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
/** The version the encoder writes. */
export const BATCH_VERSION = 2;
export const BATCH_HEADER_BYTES = 8;
/** Bytes of a version-2 numeric column's width and base. */
const COLUMN_HEADER_BYTES = 5;
const TEXT_OFFSETS = 0;
const TEXT_UUID = 1;
const TEXT_UUID_SPARSE = 2;

/** Set bits of each byte value (presence bits of text mode 2). */
const POPCOUNT = Uint8Array.from({ length: 256 }, (_, b) => {
  let n = 0;
  for (let v = b; v !== 0; v &= v - 1) n++;
  return n;
});

/** Text mode 2: whether row i's id is present (its bit in the presence bits starting at buf[bits]). */
function isPresent(buf: Uint8Array, bits: number, i: number): boolean {
  return (buf[bits + (i >>> 3)] & (1 << (i & 7))) !== 0;
}

// ---------------------------------------------------------------- decoded views

export type StoresBatch = BatchOf<'stores'>;
export type MenuItemsBatch = BatchOf<'menu_items'>;
export type UsersBatch = BatchOf<'users'>;
export type TransactionsBatch = BatchOf<'transactions'>;
export type TransactionItemsBatch = BatchOf<'transaction_items'>;
export type DecodedBatch = { [T in TableName]: BatchOf<T> }[TableName];

/**
 * Whether the batch's text column travels as packed UUIDs (modes 1 and 2): each value then
 * decodes to exactly 36 ASCII bytes (or, left out in mode 2, to nothing: see
 * firstMissingNeededText), so its length and UTF-8 need no check, and a reader that does not
 * need the text never pays for unpacking it.
 */
export function textIsPackedUuids(batch: DecodedBatch): boolean {
  const mode = (batch as unknown as DecodedInternals).layout.textMode;
  return mode === TEXT_UUID || mode === TEXT_UUID_SPARSE;
}

/** The range every value of a numeric column lies in, known from its header alone. */
export interface ColumnBounds {
  min: number;
  max: number;
}

/**
 * Where every value of numeric column `field` lies, read from the column's header (frame of
 * reference: each value is `base` plus an unsigned delta of `width` bytes), without expanding
 * the column; null when base plus the widest delta passes the end of the 32-bit range, so that
 * values may wrap and only reading them tells. The gateway's range checks need no values for a
 * column whose bounds already satisfy them (issue 11: expanding the id columns of every batch
 * was most of its validation).
 */
export function columnBounds(batch: DecodedBatch, field: string): ColumnBounds | null {
  const l = (batch as unknown as DecodedInternals).layout;
  const k = (TABLE_SPEC[batch.table] as TableSpec).numeric.findIndex((c) => c.field === field);
  if (k < 0) throw new RangeError(`${batch.table} batches have no numeric column ${field}`);
  const span = 2 ** (8 * l.numWidth[k]) - 1;
  const min = l.numSigned[k] ? l.numBase[k] : l.numBase[k] >>> 0;
  const max = min + span;
  return max > (l.numSigned[k] ? 0x7fffffff : 0xffffffff) ? null : { min, max };
}

/**
 * The first row whose text the queries need (tables.ts `textNeeded`) but the batch left out
 * (text mode 2), or -1. The gateway rejects such a batch: Q1 would report an empty id.
 */
export function firstMissingNeededText(batch: DecodedBatch): number {
  const self = batch as unknown as DecodedInternals;
  const l = self.layout;
  if (l.textMode !== TEXT_UUID_SPARSE) return -1;
  const needed = (TABLE_SPEC[batch.table] as TableSpec).textNeeded!;
  // No row reaches the bound: none needs its text (and the column is never expanded).
  const bounds = columnBounds(batch, needed.field);
  if (bounds !== null && bounds.max < needed.atLeast) return -1;
  const values = (batch as unknown as Record<string, Int32Array | Uint32Array>)[needed.field];
  const { buf, textOffset: bits } = l;
  for (let i = 0; i < l.count; i++) if (values[i] >= needed.atLeast && !isPresent(buf, bits, i)) return i;
  return -1;
}

/**
 * Reads single rows of a batch's text column without expanding the column: a packed id is
 * unpacked alone into a 36-byte scratch buffer. For readers that need the text of a few rows
 * only (the tx-filter needs the ids of the Q1 rows, ~2 % of them): expanding every id of every
 * batch was ~13 % of its CPU (issue 11). `at(i)` sets `bytes`, `start` and `end`, valid until
 * the next call.
 */
export class TextRowReader {
  bytes: Uint8Array;
  start = 0;
  end = 0;
  /** Packed ids: the payload and where the ids start; null for a text-mode column. */
  private readonly packed: { buf: Buffer; at: number } | null;
  /** Mode 2: where the presence bits start, and per bitmap byte the present rows before it. */
  private readonly sparse: { bits: number; before: Uint32Array } | null = null;
  private readonly offsets: Uint32Array;

  constructor(batch: DecodedBatch) {
    const self = batch as unknown as DecodedInternals;
    const l = self.layout;
    if (l.textMode === TEXT_UUID_SPARSE && self.text === undefined) {
      const bitmapBytes = (l.count + 7) >>> 3;
      const before = new Uint32Array(bitmapBytes);
      for (let b = 0, n = 0; b < bitmapBytes; b++) {
        before[b] = n;
        n += POPCOUNT[l.buf[l.textOffset + b]];
      }
      this.sparse = { bits: l.textOffset, before };
      this.packed = { buf: l.buf, at: l.textOffset + bitmapBytes };
      this.offsets = new Uint32Array(0);
      this.bytes = Buffer.allocUnsafe(UUID_TEXT_BYTES);
    } else if (l.textMode === TEXT_UUID && self.text === undefined) {
      this.packed = { buf: l.buf, at: l.textOffset };
      this.offsets = new Uint32Array(0);
      this.bytes = Buffer.allocUnsafe(UUID_TEXT_BYTES);
    } else {
      const { offsets, heap } = textColumn(self);
      this.packed = null;
      this.offsets = offsets;
      this.bytes = heap;
    }
  }

  at(i: number): void {
    if (this.packed !== null) {
      let slot = i;
      if (this.sparse !== null) {
        const byte = this.packed.buf[this.sparse.bits + (i >>> 3)];
        const bit = 1 << (i & 7);
        this.start = 0;
        if ((byte & bit) === 0) {
          this.end = 0; // left out: empty
          return;
        }
        slot = this.sparse.before[i >>> 3] + POPCOUNT[byte & (bit - 1)];
      }
      unpackUuid(this.packed.buf, this.packed.at + slot * UUID_BYTES, this.bytes, 0);
      this.start = 0;
      this.end = UUID_TEXT_BYTES;
    } else {
      this.start = this.offsets[i];
      this.end = this.offsets[i + 1];
    }
  }
}

/** Row i of a string column as a string. */
export function stringAt(offsets: Uint32Array, heap: Buffer, i: number): string {
  return heap.toString('utf8', offsets[i], offsets[i + 1]);
}

// ---------------------------------------------------------------- encoder

/** A packed id's bound in `byteLength`: 16 bytes, and its presence bit (text mode 2) counted as a whole byte. */
const PACKED_ROW_TEXT_BYTES = UUID_BYTES + 1;
/**
 * Where `wouldPack` tries an id (the answer is all it needs). A Buffer like the encoder's own:
 * a plain Uint8Array here made V8 throw away packUuid's optimized code once per process.
 */
const PACK_PROBE = Buffer.alloc(UUID_BYTES);

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
  /** Per numeric column: its values are u32 (ordered unsigned when packing). */
  private readonly unsigned: boolean[];
  private cap: number;
  private cols: Int32Array[];
  private offsets: Uint32Array;
  private heap: Buffer;
  private heapLen = 0;
  /**
   * True while every text value of the batch so far was a lowercase UUID: they are then
   * packed straight from the CSV bytes into `uuids` (16 bytes a row) and the heap is unused.
   * The first other value unpacks them into the heap and the batch continues as text.
   */
  private packing: boolean;
  private uuids: Buffer;
  /** `textNeeded` (tables.ts) as the numeric column's index, its signedness and the bound; null: every row's text is needed. */
  private readonly needed: { col: number; unsigned: boolean; atLeast: number } | null;

  constructor(
    readonly table: TableName,
    initialRows = 1024,
  ) {
    const spec: TableSpec = TABLE_SPEC[table];
    this.code = spec.code;
    this.numeric = spec.numeric.length;
    this.hasString = spec.text !== null;
    this.unsigned = spec.numeric.map((c) => c.wire === 'u32');
    this.cap = Math.max(16, initialRows);
    this.cols = [];
    for (let k = 0; k < this.numeric; k++) this.cols.push(new Int32Array(this.cap));
    this.offsets = new Uint32Array(this.hasString ? this.cap + 1 : 1);
    this.heap = Buffer.allocUnsafe(this.hasString ? this.cap * 16 : 0);
    this.packing = this.hasString;
    this.uuids = Buffer.allocUnsafe(this.hasString ? this.cap * UUID_BYTES : 0);
    const need = spec.textNeeded;
    const col = need === undefined ? -1 : spec.numeric.findIndex((c) => c.field === need.field);
    this.needed = need === undefined || col < 0 ? null : { col, unsigned: this.unsigned[col], atLeast: need.atLeast };
  }

  /**
   * An upper bound of the encoded size if finished now (the exact size depends on the values:
   * numbers at most 4 bytes; text, while every id packs, at most 16 bytes and a presence bit a
   * row, else offsets plus heap).
   */
  get byteLength(): number {
    return this.numericBound(this.rows) + (this.hasString ? this.textBound(this.rows, this.packing, this.heapLen) : 0);
  }

  /**
   * The bound `byteLength` would be after one more row whose text is `strBytes` long and packs
   * (`packs`: a lowercase UUID while the batch still packs) or not. A row that does not pack
   * turns every id of a packing batch into text: the bound then counts them all as text, so a
   * batch is cut before such a row rather than outgrow its limit.
   */
  byteLengthWith(strBytes: number, packs: boolean): number {
    const rows = this.rows + 1;
    if (!this.hasString) return this.numericBound(rows);
    if (this.packing && packs) return this.numericBound(rows) + this.textBound(rows, true, 0);
    const heap = (this.packing ? this.rows * UUID_TEXT_BYTES : this.heapLen) + strBytes;
    return this.numericBound(rows) + this.textBound(rows, false, heap);
  }

  /** Whether a row with a packed id can be added (no text column, or every id so far packed). */
  get takesPackedRows(): boolean {
    return !this.hasString || this.packing;
  }

  /** What each row whose text packs adds to `byteLength` (the fast path's rows: numbers and a packed id). */
  get packedRowBytes(): number {
    return 4 * this.numeric + (this.hasString ? PACKED_ROW_TEXT_BYTES : 0);
  }

  private numericBound(rows: number): number {
    return BATCH_HEADER_BYTES + this.numeric * COLUMN_HEADER_BYTES + rows * 4 * this.numeric;
  }

  /** Text column bound: mode byte, then packed ids (16 bytes, and a presence bit bounded by a byte) or offsets plus heap. */
  private textBound(rows: number, packed: boolean, heapLen: number): number {
    return 1 + (packed ? rows * PACKED_ROW_TEXT_BYTES : 4 * (rows + 1) + heapLen);
  }

  /** Whether src[start..end) would be this row's packed id (the batch still packs and it is a lowercase UUID). */
  wouldPack(src: Uint8Array, start: number, end: number): boolean {
    return this.packing && end - start === UUID_TEXT_BYTES && packUuid(src, start, PACK_PROBE, 0);
  }

  /** Bytes one more row would add as text (its string column being strBytes long): a one-row batch's worst case. */
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

  /** Packs src[start..end) as this row's UUID if still packing and it is one; else leaves packing. */
  private packed(src: Uint8Array, start: number, end: number): boolean {
    if (!this.packing) return false;
    if (end - start === UUID_TEXT_BYTES && packUuid(src, start, this.uuids, this.rows * UUID_BYTES)) return true;
    this.unpackAll();
    return false;
  }

  private unpackAll(): void {
    this.packing = false;
    const rows = this.rows;
    this.reserveHeap(rows * UUID_TEXT_BYTES);
    for (let i = 0; i < rows; i++) {
      unpackUuid(this.uuids, i * UUID_BYTES, this.heap, i * UUID_TEXT_BYTES);
      this.offsets[i + 1] = (i + 1) * UUID_TEXT_BYTES;
    }
    this.heapLen = rows * UUID_TEXT_BYTES;
  }

  /**
   * Packs the 36 bytes at src[start] as this row's id if the batch is still packing and they
   * are a lowercase UUID; otherwise changes nothing and returns false (the fast path then leaves
   * the row to the generic one, which knows how to fall back to text).
   */
  tryPackUuid(src: Uint8Array, start: number): boolean {
    return this.packing && packUuid(src, start, this.uuids, this.rows * UUID_BYTES);
  }

  setStringBytes(src: Uint8Array, start: number, end: number): void {
    if (this.packed(src, start, end)) return;
    const n = end - start;
    this.reserveHeap(n);
    this.heap.set(src.subarray(start, end), this.heapLen);
    this.heapLen += n;
  }

  setStringFromRecord(rec: CsvRecord, field: number): void {
    const s = rec.starts[field];
    const e = rec.ends[field];
    // A field with escaped quotes is never packed: a quote is not a hex digit.
    if (this.packed(rec.buf, s, e)) return;
    this.reserveHeap(e - s); // the unescaped field is never longer than its raw bytes
    this.heapLen += rec.copyTo(field, this.heap, this.heapLen);
  }

  setString(s: string): void {
    const b = Buffer.from(s, 'utf8');
    this.setStringBytes(b, 0, b.length);
  }

  commitRow(): void {
    this.rows++;
    if (this.hasString && !this.packing) this.offsets[this.rows] = this.heapLen;
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
      const u = Buffer.allocUnsafe(cap * UUID_BYTES);
      this.uuids.copy(u, 0, 0, this.rows * UUID_BYTES);
      this.uuids = u;
    }
    this.cap = cap;
  }

  /** The payload of the rows appended so far; the encoder is then empty and reusable. */
  finish(): Buffer {
    const rows = this.rows;
    const layouts: PackedLayout[] = [];
    let size = BATCH_HEADER_BYTES;
    for (let k = 0; k < this.numeric; k++) {
      const l = packedLayout(this.cols[k], rows, this.unsigned[k]);
      layouts.push(l);
      size += COLUMN_HEADER_BYTES + rows * l.width;
    }
    const textAt = size;
    const uuids = this.hasString && this.packing && rows > 0;
    const present = uuids && this.needed !== null ? this.neededRows(rows) : rows;
    const sparse = present < rows;
    if (this.hasString)
      size += 1 + (sparse ? ((rows + 7) >>> 3) + present * UUID_BYTES : uuids ? rows * UUID_BYTES : 4 * (rows + 1) + this.heapLen);
    const out = Buffer.allocUnsafe(size);
    out[0] = BATCH_MAGIC;
    out[1] = BATCH_VERSION;
    out[2] = this.code;
    out[3] = 0;
    out.writeUInt32LE(rows, 4);
    let off = BATCH_HEADER_BYTES;
    for (let k = 0; k < this.numeric; k++) {
      const l = layouts[k];
      out[off] = l.width;
      out.writeInt32LE(l.base, off + 1);
      off += COLUMN_HEADER_BYTES;
      off += writePacked(this.cols[k], rows, l, out, off);
    }
    if (this.hasString) {
      off = textAt;
      if (sparse) {
        out[off++] = TEXT_UUID_SPARSE;
        this.writeSparse(out, off, rows);
      } else if (uuids) {
        out[off++] = TEXT_UUID;
        this.uuids.copy(out, off, 0, rows * UUID_BYTES);
      } else {
        out[off++] = TEXT_OFFSETS;
        this.offsets[0] = 0;
        out.set(new Uint8Array(this.offsets.buffer, 0, 4 * (rows + 1)), off);
        off += 4 * (rows + 1);
        this.heap.copy(out, off, 0, this.heapLen);
      }
    }
    this.rows = 0;
    this.heapLen = 0;
    this.packing = this.hasString;
    return out;
  }

  /** Whether row i's text is needed (`textNeeded`); only called when there is such a rule. */
  private isNeeded(i: number): boolean {
    const n = this.needed!;
    const v = this.cols[n.col][i];
    return (n.unsigned ? v >>> 0 : v) >= n.atLeast;
  }

  private neededRows(rows: number): number {
    let n = 0;
    for (let i = 0; i < rows; i++) if (this.isNeeded(i)) n++;
    return n;
  }

  /** Text mode 2 at out[off]: the presence bits, then the packed ids of the present rows. */
  private writeSparse(out: Buffer, off: number, rows: number): void {
    const bitmapBytes = (rows + 7) >>> 3;
    out.fill(0, off, off + bitmapBytes);
    let at = off + bitmapBytes;
    for (let i = 0; i < rows; i++) {
      if (!this.isNeeded(i)) continue;
      out[off + (i >>> 3)] |= 1 << (i & 7);
      this.uuids.copy(out, at, i * UUID_BYTES, (i + 1) * UUID_BYTES);
      at += UUID_BYTES;
    }
  }
}

// ---------------------------------------------------------------- decoder

/** Where a validated payload keeps each column; columns are expanded on first use. */
interface Layout {
  readonly buf: Buffer;
  readonly count: number;
  /** Per numeric column: byte offset of its values, width, base. */
  readonly numOffset: Int32Array;
  readonly numWidth: Uint8Array;
  readonly numBase: Int32Array;
  readonly numSigned: boolean[];
  /** Text column: mode and byte offset of its offsets (mode 0), packed ids (mode 1) or presence bits (mode 2). */
  readonly textMode: number;
  readonly textOffset: number;
  /** Mode 0: the offsets, already read and checked by the decoder. */
  readonly textOffsets: Uint32Array | null;
}

interface DecodedInternals {
  readonly layout: Layout;
  readonly cols: (Int32Array | Uint32Array | undefined)[];
  text: { offsets: Uint32Array; heap: Buffer } | undefined;
  readonly scratch: ColumnScratch | undefined;
}

/**
 * Memory for the numeric columns of decoded batches, reused from batch to batch: a node that
 * decodes a batch per message (the gateway, the filters) would otherwise allocate ~1 MB per
 * column per batch outside the V8 heap, and V8 answers every ~64 MB of such allocation with a
 * full mark-compact (a fifth of an item-filter's CPU, issue 11). A batch decoded with a scratch
 * is valid until the next batch is decoded with the same scratch: for handlers that finish
 * with a batch before taking the next one.
 */
export class ColumnScratch {
  private readonly buffers: ArrayBuffer[] = [];

  /** Column k's memory for `count` values (grown, never shrunk). */
  column(k: number, count: number, signed: boolean): Int32Array | Uint32Array {
    let b = this.buffers[k];
    if (b === undefined || b.byteLength < 4 * count) {
      b = new ArrayBuffer(Math.max(4 * count, 2 * (b?.byteLength ?? 0)));
      this.buffers[k] = b;
    }
    return signed ? new Int32Array(b, 0, count) : new Uint32Array(b, 0, count);
  }
}

function numericColumn(self: DecodedInternals, k: number): Int32Array | Uint32Array {
  let c = self.cols[k];
  if (c === undefined) {
    const l = self.layout;
    const signed = l.numSigned[k];
    if (self.scratch !== undefined) c = self.scratch.column(k, l.count, signed);
    else c = signed ? new Int32Array(l.count) : new Uint32Array(l.count);
    readPacked(l.buf, l.numOffset[k], l.count, l.numWidth[k], l.numBase[k], c);
    self.cols[k] = c;
  }
  return c;
}

function textColumn(self: DecodedInternals): { offsets: Uint32Array; heap: Buffer } {
  if (self.text !== undefined) return self.text;
  const l = self.layout;
  const { count, buf } = l;
  if (l.textMode === TEXT_UUID) {
    const heap = Buffer.allocUnsafe(count * UUID_TEXT_BYTES);
    const offsets = new Uint32Array(count + 1);
    for (let i = 0; i < count; i++) {
      unpackUuid(buf, l.textOffset + i * UUID_BYTES, heap, i * UUID_TEXT_BYTES);
      offsets[i + 1] = (i + 1) * UUID_TEXT_BYTES;
    }
    self.text = { offsets, heap };
  } else if (l.textMode === TEXT_UUID_SPARSE) {
    // Absent rows decode as empty text; the present ones as their 36 bytes.
    const bits = l.textOffset;
    const ids = bits + ((count + 7) >>> 3);
    const offsets = new Uint32Array(count + 1);
    let present = 0;
    for (let i = 0; i < count; i++) {
      if (isPresent(buf, bits, i)) present++;
      offsets[i + 1] = present * UUID_TEXT_BYTES;
    }
    const heap = Buffer.allocUnsafe(present * UUID_TEXT_BYTES);
    for (let k = 0; k < present; k++) unpackUuid(buf, ids + k * UUID_BYTES, heap, k * UUID_TEXT_BYTES);
    self.text = { offsets, heap };
  } else {
    const offsets = l.textOffsets!;
    const heapAt = l.textOffset + 4 * (count + 1);
    self.text = { offsets, heap: buf.subarray(heapAt, heapAt + offsets[count]) };
  }
  return self.text;
}

type DecodedConstructor = new (table: TableName, layout: Layout, scratch: ColumnScratch | undefined) => DecodedBatch;

/**
 * One class per table, its getters made from the descriptor (like the row views in rows.ts):
 * `batch.createdAt` expands that column once, on first read. A validating reader that only
 * needs `count` (the gateway) expands nothing; one class per table keeps readers monomorphic.
 */
function decodedClass(spec: TableSpec): DecodedConstructor {
  class Decoded implements DecodedInternals {
    readonly count: number;
    readonly cols: (Int32Array | Uint32Array | undefined)[];
    text: { offsets: Uint32Array; heap: Buffer } | undefined = undefined;
    constructor(
      readonly table: TableName,
      readonly layout: Layout,
      readonly scratch: ColumnScratch | undefined,
    ) {
      this.count = layout.count;
      this.cols = spec.numeric.map(() => undefined);
    }
  }
  spec.numeric.forEach((c, k) => {
    Object.defineProperty(Decoded.prototype, c.field, {
      get(this: Decoded) {
        return numericColumn(this, k);
      },
    });
  });
  if (spec.text !== null) {
    Object.defineProperty(Decoded.prototype, `${spec.text.batchField}Offsets`, {
      get(this: Decoded) {
        return textColumn(this).offsets;
      },
    });
    Object.defineProperty(Decoded.prototype, `${spec.text.batchField}Heap`, {
      get(this: Decoded) {
        return textColumn(this).heap;
      },
    });
  }
  return Decoded as unknown as DecodedConstructor;
}

const DECODED_CLASSES = Object.fromEntries(TABLES.map((t) => [t, decodedClass(TABLE_SPEC[t] as TableSpec)])) as Record<
  TableName,
  DecodedConstructor
>;

/** Reads and checks `count + 1` text offsets at buf[off] (copied: they need not be aligned). */
function readOffsets(buf: Buffer, off: number, count: number): Uint32Array {
  const offsets = new Uint32Array(count + 1);
  new Uint8Array(offsets.buffer).set(buf.subarray(off, off + 4 * (count + 1)));
  if (offsets[0] !== 0) throw new BatchDecodeError(`string offsets must start at 0 (got ${offsets[0]})`);
  let prev = 0;
  for (let i = 1; i <= count; i++) {
    const o = offsets[i];
    if (o < prev) throw new BatchDecodeError(`string offsets decrease at row ${i - 1} (${prev} > ${o})`);
    prev = o;
  }
  return offsets;
}

/**
 * Validates a payload (versions 1 and 2) in full and returns a view whose columns are decoded
 * on first read; numbers as typed arrays, the text column as offsets plus a UTF-8 heap. With a
 * `scratch`, the numbers live in its memory (valid until the next decode with it).
 */
export function decodeBatch(payload: Buffer, scratch?: ColumnScratch): DecodedBatch {
  if (payload.length < BATCH_HEADER_BYTES)
    throw new BatchDecodeError(`batch too short: ${payload.length} bytes, the header alone is ${BATCH_HEADER_BYTES}`);
  if (payload[0] !== BATCH_MAGIC) throw new BatchDecodeError(`bad batch magic 0x${payload[0].toString(16)} (expected 0xcb)`);
  const version = payload[1];
  if (version !== 1 && version !== 2) throw new BatchDecodeError(`unsupported batch version ${version} (expected 1 or 2)`);
  const table = tableFromCode(payload[2]);
  if (table === undefined) throw new BatchDecodeError(`unknown table code ${payload[2]}`);
  if (payload[3] !== 0) throw new BatchDecodeError(`reserved header byte is ${payload[3]} (expected 0)`);
  const count = payload.readUInt32LE(4);
  const spec: TableSpec = TABLE_SPEC[table];
  const n = spec.numeric.length;
  const truncated = (): BatchDecodeError =>
    new BatchDecodeError(`batch truncated: ${payload.length} bytes for ${count} ${table} rows (more needed)`);
  const numOffset = new Int32Array(n);
  const numWidth = new Uint8Array(n);
  const numBase = new Int32Array(n);
  let off = BATCH_HEADER_BYTES;
  for (let k = 0; k < n; k++) {
    if (version === 1) {
      numWidth[k] = 4;
    } else {
      if (payload.length < off + COLUMN_HEADER_BYTES) throw truncated();
      const w = payload[off];
      if (w < 1 || w > 4) throw new BatchDecodeError(`column ${spec.numeric[k].csv}: width ${w} (expected 1..4)`);
      numWidth[k] = w;
      numBase[k] = payload.readInt32LE(off + 1);
      off += COLUMN_HEADER_BYTES;
    }
    numOffset[k] = off;
    off += count * numWidth[k];
    if (payload.length < off) throw truncated();
  }
  let textMode = TEXT_OFFSETS;
  let textOffset = off;
  let textOffsets: Uint32Array | null = null;
  if (spec.text === null) {
    if (payload.length !== off)
      throw new BatchDecodeError(`batch length ${payload.length} does not match ${count} ${table} rows (${off} expected)`);
  } else {
    if (version === 2) {
      if (payload.length < off + 1) throw truncated();
      textMode = payload[off++];
      if (textMode !== TEXT_OFFSETS && textMode !== TEXT_UUID && textMode !== TEXT_UUID_SPARSE)
        throw new BatchDecodeError(`unknown text mode ${textMode} (expected 0, 1 or 2)`);
      if (textMode === TEXT_UUID_SPARSE && spec.textNeeded === undefined)
        throw new BatchDecodeError(`text mode 2 (some ids left out) is not for ${table} batches: every row's ${spec.text.csv} is needed`);
      textOffset = off;
    }
    if (textMode === TEXT_UUID_SPARSE) {
      const bitmapBytes = (count + 7) >>> 3;
      if (payload.length < off + bitmapBytes) throw truncated();
      let present = 0;
      for (let b = 0; b < bitmapBytes; b++) present += POPCOUNT[payload[off + b]];
      if (count % 8 !== 0 && payload[off + bitmapBytes - 1] >>> (count % 8) !== 0)
        throw new BatchDecodeError(`presence bits set past the ${count} ${table} rows`);
      const end = off + bitmapBytes + present * UUID_BYTES;
      if (payload.length !== end)
        throw new BatchDecodeError(
          `batch length ${payload.length} does not match ${count} ${table} rows with ${present} packed ids (${end} expected)`,
        );
    } else if (textMode === TEXT_UUID) {
      const end = off + count * UUID_BYTES;
      if (payload.length !== end)
        throw new BatchDecodeError(`batch length ${payload.length} does not match ${count} ${table} rows of packed ids (${end} expected)`);
    } else {
      if (payload.length < off + 4 * (count + 1)) throw truncated();
      textOffsets = readOffsets(payload, off, count);
      const end = off + 4 * (count + 1) + textOffsets[count];
      if (payload.length !== end) {
        throw new BatchDecodeError(
          `batch length ${payload.length} does not match ${count} ${table} rows with a ${textOffsets[count]}-byte string heap (${end} expected)`,
        );
      }
    }
  }
  const layout: Layout = {
    buf: payload,
    count,
    numOffset,
    numWidth,
    numBase,
    numSigned: spec.numeric.map((c) => c.wire === 'i32'),
    textMode,
    textOffset,
    textOffsets,
  };
  return new DECODED_CLASSES[table](table, layout, scratch);
}
