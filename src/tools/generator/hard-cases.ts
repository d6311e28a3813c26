/**
 * `--hard-cases`: extra CRLF files (`<table>/<table>_hardcases.csv`, one per table kind) with
 * rows crafted to break naive implementations: quoted names with commas and doubled quotes,
 * non-ASCII names, every boundary timestamp, final_amount 74.99/75.00/75.01, exact ties in Q2
 * (months 2025-08..2025-10, whose only item rows are these) and in Q4 (stores 11..13, which
 * only these rows use), guest purchases that would otherwise rank, and a user missing from
 * users. Ids come from their own random stream, so the normal files are unchanged.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MENU_ITEMS } from './catalog.js';
import { csvRecord, formatAmount, formatTxUserId, quoteAlways } from './format.js';
import { deriveRandom, type Random } from './random.js';
import { HEADERS, tableFile, type GeneratedTable } from './schema.js';
import { STREAM_HARD_CASES } from './streams.js';

const EOL = '\r\n';
export const HARD_CASE_SUFFIX = 'hardcases';

/** Extra stores: a quoted name, a non-ASCII name, and one written with every field quoted. */
export const HARD_CASE_STORES: readonly string[][] = [
  ['11', 'Kopi "Corner", Bangsar', 'Jalan Telawi 3, Bangsar Baru', '59100', 'Kuala Lumpur', 'Kuala Lumpur', '3.132500', '101.670800'],
  ['12', 'Café Ñandú 東京', 'Jalan Bukit Bintang 東京', '55100', 'Kuala Lumpur', 'Wilayah Persekutuan', '3.146800', '101.711700'],
  ['13', 'G Coffee @ Kedai Kecil', 'Jalan Kecil 1', '40000', 'Shah Alam', 'Selangor Darul Ehsan', '3.073800', '101.518300'],
];

/** Extra menu items: a quoted name and a non-ASCII name. Prices in cents. */
export const HARD_CASE_ITEMS: readonly {
  id: number;
  name: string;
  category: string;
  price: number;
  isSeasonal: boolean;
  from: string;
  to: string;
}[] = [
  { id: 9, name: 'Kopi "Special", Large', category: 'coffee', price: 1250, isSeasonal: true, from: '2025-08-01', to: '2025-12-31' },
  { id: 10, name: 'Café Ñandú 東京', category: 'non-coffee', price: 800, isSeasonal: false, from: '', to: '' },
];

/** Hard-case customers (ids far above any normal id) and their birthdates. */
export const HARD_CASE_USERS: readonly [number, string, string][] = [
  [9000001, 'female', '1991-02-03'],
  [9000002, 'male', '1985-11-30'],
  [9000003, 'female', '1979-07-14'],
  [9000004, 'male', '2000-01-01'],
  [9000005, 'female', '1995-05-05'],
  [9000010, 'male', '1988-08-08'],
  [9000011, 'female', '1970-12-31'],
  [9000012, 'male', '2004-02-29'],
  [9000020, 'female', '1999-09-09'],
  [9000021, 'male', '1966-06-06'],
];

/** A user who buys (store 12) but has no row in users. */
export const MISSING_USER_ID = 9000099;

/** Answers the hard cases force, for the parts no normal row can touch. */
export const HARD_CASE_EXPECTED = {
  /** Q2 of the crafted months (only hard-case item rows). */
  q2BestSelling: [
    ['2025-08', 'Americano', 8], // ties Flat White (item 5) at 8: smaller id wins
    ['2025-09', 'Kopi "Special", Large', 4], // ties item 10 at 4
    ['2025-10', 'Espresso', 4],
  ],
  q2MostProfit: [
    ['2025-08', 'Flat White', '84.00'], // ties Cake (item 8) at 84.00
    ['2025-09', 'Kopi "Special", Large', '50.00'],
    ['2025-10', 'Espresso', '24.00'], // ties item 10 at 24.00
  ],
  /** Q4 per hard-case store: [user_id, purchases] in report order. 9000099 has no users row. */
  q4: {
    'Kopi "Corner", Bangsar': [
      [9000001, 5],
      [9000002, 5],
      [9000003, 3],
    ], // 9000004/9000005 tie 9000003 at 3
    'Café Ñandú 東京': [
      [9000010, 4],
      [MISSING_USER_ID, 3],
      [9000011, 2],
    ],
    'G Coffee @ Kedai Kecil': [
      [9000020, 2],
      [9000021, 1],
    ], // fewer than 3 customers
  },
} as const;

const PRICE = new Map<number, number>([
  ...MENU_ITEMS.map((m) => [m.id, m.price] as const),
  ...HARD_CASE_ITEMS.map((m) => [m.id, m.price] as const),
]);

interface Tx {
  ts: string;
  store: number;
  user?: number;
  /** [item_id, quantity] */
  items: [number, number][];
  /** Target final amount in cents (a discount makes up the difference); default: no discount. */
  final?: number;
}

const GUEST_STORE = 2;
const BIG: [number, number][] = [
  [8, 3],
  [5, 3],
  [3, 1],
]; // 77.50: a Q1 candidate
const AT_75: [number, number][] = [
  [5, 2],
  [8, 3],
  [6, 2],
]; // exactly 75.00
const AT_77: [number, number][] = [
  [8, 3],
  [5, 2],
  [3, 2],
]; // 77.00, discounted to 74.99 / 75.01

function crafted(): Tx[] {
  const txs: Tx[] = [];
  // Hour-window and half-year boundaries (guests, store 2, each above the Q1 threshold).
  for (const day of ['2024-06-30', '2025-03-15']) {
    for (const t of ['05:59:59', '06:00:00', '23:00:00', '23:00:01']) txs.push({ ts: `${day} ${t}`, store: GUEST_STORE, items: BIG });
  }
  for (const ts of ['2024-07-01 06:00:00', '2024-12-31 23:00:00', '2025-01-01 06:00:00']) txs.push({ ts, store: GUEST_STORE, items: BIG });
  // Year boundaries, as guest purchases...
  for (const ts of ['2023-12-31 23:59:59', '2024-01-01 00:00:00', '2025-12-31 23:59:59', '2026-01-01 00:00:00'])
    txs.push({ ts, store: GUEST_STORE, items: BIG });
  // ...and as purchases that decide Q4 of store 11 (see below).
  txs.push({ ts: '2023-12-31 23:59:59', store: 11, user: 9000004, items: [[1, 1]] });
  txs.push({ ts: '2026-01-01 00:00:00', store: 11, user: 9000004, items: [[1, 1]] });
  txs.push({ ts: '2024-01-01 00:00:00', store: 11, user: 9000003, items: [[1, 1]] });
  txs.push({ ts: '2025-12-31 23:59:59', store: 11, user: 9000003, items: [[1, 1]] });
  // Q1 threshold: 75.00 exactly (with and without a discount), 74.99, 75.01.
  for (const day of ['2024-05-10 12:00:0', '2025-02-14 18:30:0']) {
    txs.push({ ts: `${day}0`, store: 3, items: AT_75 });
    txs.push({ ts: `${day}1`, store: 3, items: AT_77, final: 7499 });
    txs.push({ ts: `${day}2`, store: 3, items: AT_77, final: 7501 });
    txs.push({ ts: `${day}3`, store: 3, items: AT_77, final: 7500 });
  }
  txs.push({ ts: '2024-09-09 23:00:00', store: 3, items: AT_75 });
  txs.push({ ts: '2024-09-09 23:00:01', store: 3, items: AT_75 });
  txs.push({ ts: '2024-09-10 06:00:00', store: 3, items: AT_77, final: 7500 });
  txs.push({ ts: '2024-09-10 05:59:59', store: 3, items: AT_77, final: 7500 });
  // Q2 ties. The first-seen item of each tie is the one that must lose.
  const q2: [string, [number, number][]][] = [
    [
      '2025-08-05 10:00:00',
      [
        [8, 3],
        [5, 3],
      ],
    ],
    [
      '2025-08-06 11:00:00',
      [
        [8, 3],
        [5, 3],
      ],
    ],
    [
      '2025-08-07 12:00:00',
      [
        [8, 1],
        [5, 2],
        [2, 3],
      ],
    ],
    [
      '2025-08-08 13:00:00',
      [
        [2, 3],
        [3, 2],
      ],
    ],
    [
      '2025-08-09 14:00:00',
      [
        [2, 2],
        [1, 1],
      ],
    ],
    [
      '2025-09-03 09:15:00',
      [
        [10, 2],
        [9, 1],
      ],
    ],
    [
      '2025-09-04 16:45:00',
      [
        [10, 2],
        [9, 3],
      ],
    ],
    ['2025-09-05 20:05:00', [[3, 3]]],
    [
      '2025-10-10 08:00:00',
      [
        [10, 2],
        [4, 2],
      ],
    ],
    [
      '2025-10-11 09:00:00',
      [
        [10, 1],
        [1, 2],
      ],
    ],
    ['2025-10-12 10:00:00', [[1, 2]]],
  ];
  for (const [ts, items] of q2) txs.push({ ts, store: 1, items });
  // Q4 of the hard-case stores, in 2025-11 (a month no other item row uses). File order puts
  // the losers of each tie first.
  const q4: [number, number | undefined, number][] = [
    [11, 9000002, 5],
    [11, 9000001, 5],
    [11, 9000005, 3],
    [11, 9000004, 3], // + 2 outside 2024–2025 above: would reach 5 if those counted
    [11, 9000003, 1], // + 2 on the inclusive year boundaries above: 3
    [11, undefined, 8], // guests outnumber everyone
    [12, 9000012, 1],
    [12, 9000011, 2],
    [12, MISSING_USER_ID, 3],
    [12, 9000010, 4],
    [13, undefined, 5],
    [13, 9000021, 1],
    [13, 9000020, 2],
  ];
  let k = 0;
  for (const [store, user, count] of q4) {
    for (let i = 0; i < count; i++, k++) {
      const day = 1 + (k % 28);
      const minute = k % 60;
      const hour = 8 + (Math.floor(k / 60) % 12);
      const ts = `2025-11-${String(day).padStart(2, '0')} ${String(hour).padStart(2, '0')}:${String(minute).padStart(2, '0')}:00`;
      txs.push(user === undefined ? { ts, store, items: [[1, 1]] } : { ts, store, user, items: [[1, 1]] });
    }
  }
  return txs;
}

const HARD_CASE_VOUCHER = 99;

function txLines(r: Random, txs: Tx[]): { transactions: string; items: string; itemRows: number } {
  let transactions = HEADERS.transactions + EOL;
  let items = HEADERS.transaction_items + EOL;
  let itemRows = 0;
  for (const tx of txs) {
    const id = r.uuid();
    let original = 0;
    for (const [item, q] of tx.items) {
      const price = PRICE.get(item)!;
      original += q * price;
      items += csvRecord([id, String(item), String(q), formatAmount(price), formatAmount(q * price), tx.ts], EOL);
      itemRows++;
    }
    const final = tx.final ?? original;
    if (final > original) throw new Error(`hard case ${tx.ts}: final above original`);
    const discount = original - final;
    transactions += csvRecord(
      [
        id,
        String(tx.store),
        '1',
        discount > 0 ? String(HARD_CASE_VOUCHER) : '',
        tx.user === undefined ? '' : formatTxUserId(tx.user),
        formatAmount(original),
        formatAmount(discount),
        formatAmount(final),
        tx.ts,
      ],
      EOL,
    );
  }
  return { transactions, items, itemRows };
}

function small(table: GeneratedTable, rows: string[][], quote?: (v: string) => string): string {
  return HEADERS[table] + EOL + rows.map((row) => csvRecord(row, EOL, quote)).join('');
}

export interface HardCaseFile {
  table: GeneratedTable;
  /** Path relative to the dataset folder. */
  path: string;
  text: string;
  rows: number;
}

/** The hard-case files' contents (deterministic for a seed). */
export function hardCaseFiles(seed: number): HardCaseFile[] {
  const r = deriveRandom(seed, STREAM_HARD_CASES);
  const txs = crafted();
  const sales = txLines(r, txs);
  const storesText = small('stores', HARD_CASE_STORES.slice(0, 2)) + csvRecord(HARD_CASE_STORES[2], EOL, quoteAlways); // a fully quoted record
  const files: Omit<HardCaseFile, 'path'>[] = [
    { table: 'transactions', text: sales.transactions, rows: txs.length },
    { table: 'transaction_items', text: sales.items, rows: sales.itemRows },
    {
      table: 'users',
      text: small(
        'users',
        HARD_CASE_USERS.map(([id, g, b]) => [String(id), g, b, '2023-07-15 09:30:00']),
      ),
      rows: HARD_CASE_USERS.length,
    },
    { table: 'stores', text: storesText, rows: HARD_CASE_STORES.length },
    {
      table: 'menu_items',
      text: small(
        'menu_items',
        HARD_CASE_ITEMS.map((it) => [
          String(it.id),
          it.name,
          it.category,
          formatAmount(it.price),
          it.isSeasonal ? 'True' : 'False',
          it.from,
          it.to,
        ]),
      ),
      rows: HARD_CASE_ITEMS.length,
    },
    { table: 'payment_methods', text: small('payment_methods', [['6', "Touch 'n Go, eWallet"]]), rows: 1 },
    {
      table: 'vouchers',
      text: small('vouchers', [[String(HARD_CASE_VOUCHER), 'HARD"CASE"', 'fixed', '0.0', '2023-07-01', '2026-01-31']]),
      rows: 1,
    },
  ];
  return files.map((f) => ({ ...f, path: tableFile(f.table, HARD_CASE_SUFFIX) }));
}

export async function writeHardCases(
  dir: string,
  seed: number,
): Promise<{ files: number; bytes: number; rows: Partial<Record<GeneratedTable, number>> }> {
  const files = hardCaseFiles(seed);
  let bytes = 0;
  const rows: Partial<Record<GeneratedTable, number>> = {};
  for (const f of files) {
    await writeFile(join(dir, f.path), f.text);
    bytes += Buffer.byteLength(f.text);
    rows[f.table] = (rows[f.table] ?? 0) + f.rows;
  }
  return { files: files.length, bytes, rows };
}
