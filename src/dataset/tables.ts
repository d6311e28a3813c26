import { Q1_MIN_FINAL_AMOUNT_CENTS } from '../queries/rules.js';

/**
 * The dataset's tables, one descriptor each (SYSTEM.md, "The dataset"): folder, wire code, the
 * file's columns, and the columns the queries need with how each is parsed and carried on the
 * wire. The descriptor drives the CSV row parser (`rows.ts`), the reader's column selection
 * (`reader.ts`) and the batch codec (`batch-codec.ts`); the types of parsed rows and decoded
 * batches are derived from it. Adding a column is one edit here.
 */

/**
 * How a CSV field becomes a value (the rules are in `fields.ts` and `rows.ts`):
 *   id            integer 0..2^31-1
 *   id-or-guest   an id, or -1 when empty (a guest purchase)
 *   int32         any 32-bit integer
 *   cents         money amount, integer cents
 *   timestamp     `YYYY-MM-DD HH:MM:SS`, epoch seconds
 *   text          any text, kept as is
 *   record-id     non-empty text of at most MAX_TRANSACTION_ID_BYTES bytes
 */
export type FieldParse = 'id' | 'id-or-guest' | 'int32' | 'cents' | 'timestamp' | 'text' | 'record-id';

/** A needed column carried on the wire as 4-byte numbers (u32 values travel by their bits). */
export interface NumericColumn {
  /** Header name in the CSV file. */
  readonly csv: string;
  /** Property name in parsed rows and decoded batches. */
  readonly field: string;
  readonly wire: 'u32' | 'i32';
  readonly parse: 'id' | 'id-or-guest' | 'int32' | 'cents' | 'timestamp';
}

/** The (at most one) needed column carried as UTF-8 text: offsets plus heap. */
export interface TextColumn {
  readonly csv: string;
  /** Method name of parsed rows, property name of plain rows. */
  readonly field: string;
  /** Prefix of the decoded batch's `<batchField>Offsets` / `<batchField>Heap`. */
  readonly batchField: string;
  readonly wire: 'str';
  readonly parse: 'text' | 'record-id';
}

export interface TableSpec {
  readonly name: string;
  /** Wire code (batch header byte 2 and the client protocol). */
  readonly code: number;
  /** Folder of the table's CSV files inside the dataset folder. */
  readonly folder: string;
  /** Every column of the real dataset's files, in order (generators write these). */
  readonly fileColumns: readonly string[];
  /** Numeric columns the queries need, in wire order. */
  readonly numeric: readonly NumericColumn[];
  /** The text column the queries need, after the numeric ones on the wire, or null. */
  readonly text: TextColumn | null;
  /**
   * When the queries need the text column only on some rows: those whose numeric column
   * `field` is at least `atLeast`. Packed ids of the other rows are left out of the batch
   * (batch-codec.ts, text mode 2); the gateway checks that none of the needed ones is missing.
   */
  readonly textNeeded?: { readonly field: string; readonly atLeast: number };
}

const spec = <const S extends TableSpec>(s: S): S => s;

/** Every table, in sending order. */
export const TABLE_SPECS = [
  spec({
    name: 'stores',
    code: 1,
    folder: 'stores',
    fileColumns: ['store_id', 'store_name', 'street', 'postal_code', 'city', 'state', 'latitude', 'longitude'],
    numeric: [{ csv: 'store_id', field: 'storeId', wire: 'u32', parse: 'id' }],
    text: { csv: 'store_name', field: 'storeName', batchField: 'name', wire: 'str', parse: 'text' },
  }),
  spec({
    name: 'menu_items',
    code: 2,
    folder: 'menu_items',
    fileColumns: ['item_id', 'item_name', 'category', 'price', 'is_seasonal', 'available_from', 'available_to'],
    numeric: [{ csv: 'item_id', field: 'itemId', wire: 'u32', parse: 'id' }],
    text: { csv: 'item_name', field: 'itemName', batchField: 'name', wire: 'str', parse: 'text' },
  }),
  spec({
    name: 'users',
    code: 3,
    folder: 'users',
    fileColumns: ['user_id', 'gender', 'birthdate', 'registered_at'],
    numeric: [{ csv: 'user_id', field: 'userId', wire: 'u32', parse: 'id' }],
    text: { csv: 'birthdate', field: 'birthdate', batchField: 'birthdate', wire: 'str', parse: 'text' },
  }),
  spec({
    name: 'transactions',
    code: 4,
    folder: 'transactions',
    fileColumns: [
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
    numeric: [
      { csv: 'store_id', field: 'storeId', wire: 'u32', parse: 'id' },
      { csv: 'user_id', field: 'userId', wire: 'i32', parse: 'id-or-guest' },
      { csv: 'final_amount', field: 'finalAmountCents', wire: 'i32', parse: 'cents' },
      { csv: 'created_at', field: 'createdAt', wire: 'u32', parse: 'timestamp' },
    ],
    text: { csv: 'transaction_id', field: 'transactionId', batchField: 'id', wire: 'str', parse: 'record-id' },
    // Only Q1 reports transaction ids, and only of transactions of at least 75.00 (~3 % of
    // them): the other 16-byte ids were ~60 % of the bytes every transactions batch costs the
    // client, the gateway, the broker (written to disk) and the tx-filter (issue 11).
    textNeeded: { field: 'finalAmountCents', atLeast: Q1_MIN_FINAL_AMOUNT_CENTS },
  }),
  spec({
    name: 'transaction_items',
    code: 5,
    folder: 'transaction_items',
    fileColumns: ['transaction_id', 'item_id', 'quantity', 'unit_price', 'subtotal', 'created_at'],
    numeric: [
      { csv: 'item_id', field: 'itemId', wire: 'u32', parse: 'id' },
      { csv: 'quantity', field: 'quantity', wire: 'i32', parse: 'int32' },
      { csv: 'subtotal', field: 'subtotalCents', wire: 'i32', parse: 'cents' },
      { csv: 'created_at', field: 'createdAt', wire: 'u32', parse: 'timestamp' },
    ],
    text: null,
  }),
] as const;

type Specs = (typeof TABLE_SPECS)[number];
export type TableName = Specs['name'];
/** The descriptor of table T. */
export type SpecOf<T extends TableName> = Extract<Specs, { name: T }>;

export const TABLES: readonly TableName[] = TABLE_SPECS.map((s) => s.name);

/** Descriptors by name. */
export const TABLE_SPEC = Object.fromEntries(TABLE_SPECS.map((s) => [s.name, s])) as { readonly [T in TableName]: SpecOf<T> };

export const TABLE_CODES = Object.fromEntries(TABLE_SPECS.map((s) => [s.name, s.code])) as { readonly [T in TableName]: SpecOf<T>['code'] };

const BY_CODE: (TableName | undefined)[] = [];
for (const s of TABLE_SPECS) BY_CODE[s.code] = s.name;

/** The table of a wire code, or undefined when unknown. */
export function tableFromCode(code: number): TableName | undefined {
  return BY_CODE[code];
}

export function isTableName(s: string): s is TableName {
  return (TABLES as readonly string[]).includes(s);
}

/**
 * Columns a file must have (found by name; extra columns are ignored), in the file's order, so
 * an error names the first missing one as it appears in the header.
 */
export function requiredColumns(table: TableName): string[] {
  const s: TableSpec = TABLE_SPEC[table];
  const needed = [...s.numeric.map((c) => c.csv), ...(s.text === null ? [] : [s.text.csv])];
  return needed.sort((a, b) => s.fileColumns.indexOf(a) - s.fileColumns.indexOf(b));
}

// ---------------------------------------------------------------- derived row and batch types

type NumericFieldsOf<T extends TableName> = SpecOf<T>['numeric'][number];
type TextOf<T extends TableName> = Exclude<SpecOf<T>['text'], null>;

/** A parsed CSV row of table T (a reused view: read it inside the visitor). */
export type RowView<T extends TableName> = { readonly [C in NumericFieldsOf<T> as C['field']]: number } & {
  [C in TextOf<T> as C['field']]: () => string;
};

/** A decoded batch of table T: typed arrays viewing the payload (see batch-codec.ts). */
export type BatchOf<T extends TableName> = { readonly table: T; readonly count: number } & {
  readonly [C in NumericFieldsOf<T> as C['field']]: C['wire'] extends 'i32' ? Int32Array : Uint32Array;
} & { readonly [C in TextOf<T> as `${C['batchField']}Offsets`]: Uint32Array } & {
  readonly [C in TextOf<T> as `${C['batchField']}Heap`]: Buffer;
};

/** A row of table T as a plain object (tests and small data). */
export type PlainRow<T extends TableName> = { [C in NumericFieldsOf<T> as C['field']]: number } & {
  [C in TextOf<T> as C['field']]: string;
};
