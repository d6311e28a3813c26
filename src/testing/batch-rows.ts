import { BatchEncoder, decodeBatch, stringAt } from '../dataset/batch-codec.js';
import { TABLE_SPEC, type PlainRow, type TableName, type TableSpec } from '../dataset/tables.js';

/**
 * Plain-object rows for tests: build a batch payload from objects and read one back. The
 * product never needs these (it encodes straight from CSV bytes and reads typed arrays), so
 * they live with the test support, driven by the same table descriptors as the codec.
 */
export type StoreRow = PlainRow<'stores'>;
export type MenuItemRow = PlainRow<'menu_items'>;
export type UserRow = PlainRow<'users'>;
export type TransactionRow = PlainRow<'transactions'>;
export type TransactionItemRow = PlainRow<'transaction_items'>;
export type PlainRows = { [T in TableName]: PlainRow<T> };

/** Appends one plain row to an encoder. */
export function appendRow<T extends TableName>(enc: BatchEncoder, table: T, row: PlainRow<T>): void {
  const spec: TableSpec = TABLE_SPEC[table];
  const r = row as Record<string, number | string>;
  spec.numeric.forEach((c, k) => enc.setNum(k, r[c.field] as number));
  if (spec.text !== null) enc.setString(r[spec.text.field] as string);
  enc.commitRow();
}

/** Encodes plain row objects into one payload. */
export function encodeRows<T extends TableName>(table: T, rows: readonly PlainRow<T>[]): Buffer {
  const enc = new BatchEncoder(table, rows.length + 1);
  for (const r of rows) appendRow(enc, table, r);
  return enc.finish();
}

/** Decodes a payload back into plain row objects. */
export function decodeRows(payload: Buffer): { [T in TableName]: { table: T; rows: PlainRow<T>[] } }[TableName] {
  const b = decodeBatch(payload);
  const spec: TableSpec = TABLE_SPEC[b.table];
  const cols = b as unknown as Record<string, Uint32Array | Int32Array | Buffer>;
  const rows: Record<string, number | string>[] = [];
  for (let i = 0; i < b.count; i++) {
    const row: Record<string, number | string> = {};
    for (const c of spec.numeric) row[c.field] = cols[c.field][i];
    if (spec.text !== null) {
      const t = spec.text;
      row[t.field] = stringAt(cols[`${t.batchField}Offsets`] as Uint32Array, cols[`${t.batchField}Heap`] as Buffer, i);
    }
    rows.push(row);
  }
  return { table: b.table, rows } as unknown as { [T in TableName]: { table: T; rows: PlainRow<T>[] } }[TableName];
}
