import type { TableName } from '../../dataset/tables.js';

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

export const HEADERS: Record<GeneratedTable, string> = {
  transactions: 'transaction_id,store_id,payment_method_id,voucher_id,user_id,original_amount,discount_applied,final_amount,created_at',
  transaction_items: 'transaction_id,item_id,quantity,unit_price,subtotal,created_at',
  users: 'user_id,gender,birthdate,registered_at',
  stores: 'store_id,store_name,street,postal_code,city,state,latitude,longitude',
  menu_items: 'item_id,item_name,category,price,is_seasonal,available_from,available_to',
  payment_methods: 'payment_method_id,payment_method_name',
  vouchers: 'voucher_id,voucher_code,discount_type,discount_value,valid_from,valid_to',
};

/** Path of a table's file relative to the dataset folder, e.g. `transactions/transactions_202401.csv`. */
export function tableFile(table: GeneratedTable, suffix?: string): string {
  return suffix === undefined ? `${table}/${table}.csv` : `${table}/${table}_${suffix}.csv`;
}
