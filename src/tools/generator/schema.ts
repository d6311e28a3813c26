import { TABLE_SPEC, TABLES, type TableName } from '../../dataset/tables.js';

/**
 * The generated dataset's files: the five tables the queries read (`dataset/tables.ts`) plus
 * two the real dataset ships but no query reads (SYSTEM.md, "The dataset").
 */
export const UNUSED_TABLES = ['payment_methods', 'vouchers'] as const;
export type UnusedTable = (typeof UNUSED_TABLES)[number];

/** Every table the generator writes. */
export type GeneratedTable = TableName | UnusedTable;
/** Every table the generator writes, in writing order. */
export const GENERATED_TABLES: readonly GeneratedTable[] = [
  'transactions',
  'transaction_items',
  'users',
  'stores',
  'menu_items',
  ...UNUSED_TABLES,
];

const UNUSED_HEADERS: Record<UnusedTable, string> = {
  payment_methods: 'payment_method_id,payment_method_name',
  vouchers: 'voucher_id,voucher_code,discount_type,discount_value,valid_from,valid_to',
};

/** Exact header row of each table's files (the dataset tables' from their descriptors). */
export const HEADERS: Record<GeneratedTable, string> = {
  ...(Object.fromEntries(TABLES.map((t) => [t, TABLE_SPEC[t].fileColumns.join(',')])) as Record<TableName, string>),
  ...UNUSED_HEADERS,
};

/** Path of a table's file relative to the dataset folder, e.g. `transactions/transactions_202401.csv`. */
export function tableFile(table: GeneratedTable, suffix?: string): string {
  return suffix === undefined ? `${table}/${table}.csv` : `${table}/${table}_${suffix}.csv`;
}
