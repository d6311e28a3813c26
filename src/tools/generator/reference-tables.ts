/** Writers of the small tables: stores, menu_items, payment_methods, vouchers (one file each). */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MENU_ITEMS, PAYMENT_METHODS, STORES, VOUCHERS } from './catalog.js';
import { csvRecord, formatAmount } from './format.js';
import { HEADERS, tableFile, type GeneratedTable } from './schema.js';

export interface SmallTable {
  table: GeneratedTable;
  rows: string[][];
}

export function storeRows(): string[][] {
  return STORES.map((s) => [String(s.id), s.name, s.street, s.postalCode, s.city, s.state, s.latitude, s.longitude]);
}

export function menuItemRows(): string[][] {
  return MENU_ITEMS.map((it) => [
    String(it.id),
    it.name,
    it.category,
    formatAmount(it.price),
    it.isSeasonal ? 'True' : 'False',
    it.availableFrom,
    it.availableTo,
  ]);
}

export function paymentMethodRows(): string[][] {
  return PAYMENT_METHODS.map((p) => [String(p.id), p.name]);
}

export function voucherRows(): string[][] {
  return VOUCHERS.map((v) => [
    String(v.id),
    v.code,
    v.type,
    v.type === 'fixed' ? formatAmount(v.value) : String(v.value),
    v.validFrom,
    v.validTo,
  ]);
}

/** Writes `table/table.csv` (or `table/table_suffix.csv`); returns its byte size. */
export async function writeSmallTable(
  dir: string,
  table: GeneratedTable,
  rows: string[][],
  eol = '\n',
  suffix?: string,
  quote?: (v: string) => string,
): Promise<number> {
  const text = HEADERS[table] + eol + rows.map((r) => csvRecord(r, eol, quote)).join('');
  await writeFile(join(dir, tableFile(table, suffix)), text);
  return Buffer.byteLength(text);
}

export async function writeReferenceTables(
  dir: string,
): Promise<{ files: number; bytes: number; rows: Partial<Record<GeneratedTable, number>> }> {
  const tables: SmallTable[] = [
    { table: 'stores', rows: storeRows() },
    { table: 'menu_items', rows: menuItemRows() },
    { table: 'payment_methods', rows: paymentMethodRows() },
    { table: 'vouchers', rows: voucherRows() },
  ];
  let bytes = 0;
  const rows: Partial<Record<GeneratedTable, number>> = {};
  for (const t of tables) {
    bytes += await writeSmallTable(dir, t.table, t.rows);
    rows[t.table] = t.rows.length;
  }
  return { files: tables.length, bytes, rows };
}
