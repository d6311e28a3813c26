/**
 * `--bad-rows`: a fixed set of malformed rows spliced into the middle of three normal monthly
 * files, each a plausible row with exactly one defect, so tests can assert that exactly these
 * are rejected and everything else is unchanged. They use no randomness: the rest of the
 * dataset is byte-identical to the same run without `--bad-rows` except for these lines.
 */
import type { GeneratedTable } from './schema.js';

export interface BadRow {
  table: GeneratedTable;
  /** Month key (`YYYYMM`) of the monthly file that receives it. */
  month: string;
  /** The raw line, without line ending. */
  line: string;
  reason: 'column count' | 'amount' | 'created_at' | 'user id';
}

export const BAD_ROWS: readonly BadRow[] = [
  // transactions/transactions_202402.csv
  {
    table: 'transactions',
    month: '202402',
    reason: 'column count',
    line: 'bad00000-0000-4000-8000-000000000001,3,2,,1234.0,20.0,0.0,20.0',
  },
  {
    table: 'transactions',
    month: '202402',
    reason: 'amount',
    line: 'bad00000-0000-4000-8000-000000000002,3,2,,1234.0,20.0,0.0,abc,2024-02-10 10:00:00',
  },
  {
    table: 'transactions',
    month: '202402',
    reason: 'created_at',
    line: 'bad00000-0000-4000-8000-000000000003,3,2,,1234.0,80.0,0.0,80.0,2024-13-45 10:00:00',
  },
  {
    table: 'transactions',
    month: '202402',
    reason: 'user id',
    line: 'bad00000-0000-4000-8000-000000000004,3,2,,12.5x,20.0,0.0,20.0,2024-02-10 10:00:00',
  },
  {
    table: 'transactions',
    month: '202402',
    reason: 'column count',
    line: 'bad00000-0000-4000-8000-000000000005,3,2,,1234.0,20.0,0.0,20.0,2024-02-10 10:00:00,extra',
  },
  // transaction_items/transaction_items_202403.csv
  { table: 'transaction_items', month: '202403', reason: 'column count', line: 'bad00000-0000-4000-8000-000000000006,3,2,10.0,20.0' },
  {
    table: 'transaction_items',
    month: '202403',
    reason: 'amount',
    line: 'bad00000-0000-4000-8000-000000000007,3,2,10.0,abc,2024-03-10 10:00:00',
  },
  {
    table: 'transaction_items',
    month: '202403',
    reason: 'created_at',
    line: 'bad00000-0000-4000-8000-000000000008,3,2,10.0,20.0,2024-13-45 10:00:00',
  },
  // users/users_202402.csv
  { table: 'users', month: '202402', reason: 'user id', line: '12.5x,female,1990-01-01,2024-02-10 10:00:00' },
  { table: 'users', month: '202402', reason: 'column count', line: '123,female,1990-01-01' },
];

/** Number of malformed rows `--bad-rows` adds (all tables). */
export const BAD_ROW_COUNT = BAD_ROWS.length;

/** Malformed rows per table. */
export const BAD_ROW_COUNT_BY_TABLE: Readonly<Partial<Record<GeneratedTable, number>>> = BAD_ROWS.reduce<
  Partial<Record<GeneratedTable, number>>
>((acc, b) => {
  acc[b.table] = (acc[b.table] ?? 0) + 1;
  return acc;
}, {});

/** The bad lines (LF-terminated) destined for one table's monthly file, or '' if none. */
export function badLinesFor(table: GeneratedTable, month: string): string {
  return BAD_ROWS.filter((b) => b.table === table && b.month === month)
    .map((b) => b.line + '\n')
    .join('');
}
