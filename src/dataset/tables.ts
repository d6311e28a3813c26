/**
 * The dataset's tables: sending order, wire codes and columns (see SYSTEM.md).
 */
export const TABLES = ['stores', 'menu_items', 'users', 'transactions', 'transaction_items'] as const;
export type TableName = (typeof TABLES)[number];

export const TABLE_CODES = { stores: 1, menu_items: 2, users: 3, transactions: 4, transaction_items: 5 } as const satisfies Record<
  TableName,
  number
>;

const BY_CODE: (TableName | undefined)[] = [];
for (const t of TABLES) BY_CODE[TABLE_CODES[t]] = t;

/** The table of a wire code, or undefined when unknown. */
export function tableFromCode(code: number): TableName | undefined {
  return BY_CODE[code];
}

export function isTableName(s: string): s is TableName {
  return (TABLES as readonly string[]).includes(s);
}

/** Every column of each table's files, in the real dataset's order (for generators). */
export const TABLE_COLUMNS = {
  stores: ['store_id', 'store_name', 'street', 'postal_code', 'city', 'state', 'latitude', 'longitude'],
  menu_items: ['item_id', 'item_name', 'category', 'price', 'is_seasonal', 'available_from', 'available_to'],
  users: ['user_id', 'gender', 'birthdate', 'registered_at'],
  transactions: [
    'transaction_id',
    'store_id',
    'payment_method_id',
    'voucher_id',
    'user_id',
    'original_amount',
    'discount_applied',
    'final_amount',
    'created_at',
  ],
  transaction_items: ['transaction_id', 'item_id', 'quantity', 'unit_price', 'subtotal', 'created_at'],
} as const satisfies Record<TableName, readonly string[]>;

/** Columns the queries need: a file must have them (found by name; extra columns are ignored). */
export const REQUIRED_COLUMNS = {
  stores: ['store_id', 'store_name'],
  menu_items: ['item_id', 'item_name'],
  users: ['user_id', 'birthdate'],
  transactions: ['transaction_id', 'store_id', 'user_id', 'final_amount', 'created_at'],
  transaction_items: ['item_id', 'quantity', 'subtotal', 'created_at'],
} as const satisfies Record<TableName, readonly string[]>;
