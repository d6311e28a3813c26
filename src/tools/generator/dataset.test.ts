import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile, mkdir, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateDataset, type GenerateResult } from './dataset.js';
import type { GeneratedTable } from './schema.js';
import { HEADERS } from './schema.js';
import { NORMAL_MONTHS } from './proportions.js';
import { MENU_ITEMS, STORES } from './catalog.js';
import { allRows, listFiles } from '../../testing/dataset-rows.js';

const SCALE = 0.001;
let root: string;
let a: string;
let resultA: GenerateResult;

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'gen-dataset-'));
  a = join(root, 'a');
  resultA = await generateDataset({ out: a, scale: SCALE, seed: 42, hardCases: false, badRows: false });
});

after(async () => {
  await rm(root, { recursive: true, force: true });
});

async function filesEqual(x: string, y: string): Promise<boolean> {
  const fx = await listFiles(x);
  const fy = await listFiles(y);
  if (fx.join('|') !== fy.join('|')) return false;
  for (const f of fx) if (!(await readFile(join(x, f))).equals(await readFile(join(y, f)))) return false;
  return true;
}

test('same seed and scale give byte-identical files; another seed differs', async () => {
  const b = join(root, 'b');
  const c = join(root, 'c');
  await generateDataset({ out: b, scale: SCALE, seed: 42, hardCases: false, badRows: false });
  await generateDataset({ out: c, scale: SCALE, seed: 43, hardCases: false, badRows: false });
  assert.ok(await filesEqual(a, b), 'seed 42 twice must be identical');
  assert.equal(await filesEqual(a, c), false);
  const ta = await readFile(join(a, 'transactions/transactions_202401.csv'), 'utf8');
  const tc = await readFile(join(c, 'transactions/transactions_202401.csv'), 'utf8');
  assert.notEqual(ta, tc);
});

test('layout: monthly files for 24 months, one file per small table, exact headers', async () => {
  const files = await listFiles(a);
  const expected = [
    ...NORMAL_MONTHS.map((m) => `transactions/transactions_${m.key}.csv`),
    ...NORMAL_MONTHS.map((m) => `transaction_items/transaction_items_${m.key}.csv`),
    ...NORMAL_MONTHS.map((m) => `users/users_${m.key}.csv`),
    'stores/stores.csv',
    'menu_items/menu_items.csv',
    'payment_methods/payment_methods.csv',
    'vouchers/vouchers.csv',
  ].sort();
  assert.deepEqual(files, expected);
  assert.equal(resultA.files, files.length);
  assert.equal(NORMAL_MONTHS[0].key, '202307');
  assert.equal(NORMAL_MONTHS.at(-1)!.key, '202506');
  let bytes = 0;
  for (const f of files) {
    const text = await readFile(join(a, f), 'utf8');
    bytes += Buffer.byteLength(text);
    const table = f.split('/')[0] as GeneratedTable;
    assert.equal(text.slice(0, text.indexOf('\n')), HEADERS[table], f);
    assert.ok(!text.includes('\r'), `${f} is LF-only without --hard-cases`);
  }
  assert.equal(resultA.bytes, bytes);
  assert.equal(
    HEADERS.transactions,
    'transaction_id,store_id,payment_method_id,voucher_id,user_id,original_amount,discount_applied,final_amount,created_at',
  );
  assert.equal(HEADERS.transaction_items, 'transaction_id,item_id,quantity,unit_price,subtotal,created_at');
  assert.equal(HEADERS.users, 'user_id,gender,birthdate,registered_at');
  assert.equal(HEADERS.stores, 'store_id,store_name,street,postal_code,city,state,latitude,longitude');
  assert.equal(HEADERS.menu_items, 'item_id,item_name,category,price,is_seasonal,available_from,available_to');
});

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const TS = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01]) ([01]\d|2[0-3]):[0-5]\d:[0-5]\d$/;
const AMOUNT = /^\d+\.\d{1,2}$/;
const cents = (s: string): number => Math.round(Number(s) * 100);

test('value formats and internal consistency of transactions, items and users', async () => {
  const txs = await allRows(a, 'transactions');
  const items = await allRows(a, 'transaction_items');
  const users = await allRows(a, 'users');
  assert.equal(txs.length, resultA.rows.transactions);
  assert.equal(items.length, resultA.rows.transaction_items);
  assert.equal(users.length, resultA.rows.users);
  const price = new Map(MENU_ITEMS.map((m) => [String(m.id), m.price]));
  const byTx = new Map<string, { sum: number; ts: string }>();
  for (const r of items) {
    assert.equal(r.length, 6);
    const [id, item, q, unit, sub, ts] = r as [string, string, string, string, string, string];
    assert.match(id, UUID);
    assert.ok(price.has(item), `item ${item}`);
    assert.match(q, /^[123]$/);
    assert.equal(cents(unit), price.get(item));
    assert.match(sub, AMOUNT);
    assert.equal(cents(sub), Number(q) * cents(unit));
    assert.match(ts, TS);
    const e = byTx.get(id) ?? { sum: 0, ts };
    assert.equal(e.ts, ts, 'items carry their transaction created_at');
    e.sum += cents(sub);
    byTx.set(id, e);
  }
  const ids = new Set<string>();
  const userIds = new Set(users.map((u) => u[0]));
  for (const r of txs) {
    assert.equal(r.length, 9);
    const [id, store, pm, voucher, user, orig, disc, fin, ts] = r as [
      string,
      string,
      string,
      string,
      string,
      string,
      string,
      string,
      string,
    ];
    assert.match(id, UUID);
    assert.ok(!ids.has(id), 'transaction ids are unique');
    ids.add(id);
    assert.match(store, /^([1-9]|10)$/);
    assert.match(pm, /^[1-5]$/);
    assert.match(voucher, /^(\d+)?$/);
    assert.match(user, /^(\d+\.0)?$/);
    if (user !== '') assert.ok(userIds.has(user.slice(0, -2)), `user ${user} exists in users`);
    for (const v of [orig, disc, fin]) assert.match(v, AMOUNT);
    assert.equal(cents(fin), cents(orig) - cents(disc));
    assert.equal(disc !== '0.0', voucher !== '', 'discount only with a voucher');
    assert.match(ts, TS);
    assert.equal(byTx.get(id)?.sum, cents(orig), 'original_amount = sum of item subtotals');
    assert.equal(byTx.get(id)?.ts, ts);
  }
  assert.equal(byTx.size, ids.size, 'every item row belongs to a transaction');
  for (const u of users) {
    assert.equal(u.length, 4);
    assert.match(u[0], /^\d+$/);
    assert.match(u[1], /^(male|female)$/);
    assert.match(u[2], /^\d{4}-\d{2}-\d{2}$/);
    assert.match(u[3], TS);
  }
});

test('files hold their month: created_at and registered_at match the file name', async () => {
  for (const m of [NORMAL_MONTHS[0], NORMAL_MONTHS[12]]) {
    const prefix = `${m.year}-${String(m.month).padStart(2, '0')}-`;
    for (const [file, col] of [
      ['transactions/transactions', 8],
      ['transaction_items/transaction_items', 5],
      ['users/users', 3],
    ] as const) {
      const lines = (await readFile(join(a, `${file}_${m.key}.csv`), 'utf8')).trim().split('\n').slice(1);
      for (const l of lines) assert.ok(l.split(',')[col].startsWith(prefix), `${file}_${m.key}: ${l}`);
    }
  }
});

test('rough proportions at a tiny scale', async () => {
  const txs = await allRows(a, 'transactions');
  const items = await allRows(a, 'transaction_items');
  const n = txs.length;
  // ~600 transactions a month at scale 0.001, ~2 item rows each, hundreds of users.
  assert.ok(n > 12_000 && n < 17_000, `transactions ${n}`);
  assert.ok(items.length / n > 1.8 && items.length / n < 2.2, `items per transaction ${items.length / n}`);
  assert.ok(resultA.rows.users >= 300 && resultA.rows.users <= 1000, `users ${resultA.rows.users}`);
  const share = (f: (r: string[]) => boolean): number => txs.filter(f).length / n;
  const guests = share((r) => r[4] === '');
  assert.ok(guests > 0.09 && guests < 0.16, `guests ${guests}`);
  const big = share((r) => cents(r[7]) >= 7500);
  assert.ok(big > 0.01 && big < 0.06, `final >= 75: ${big}`);
  const night = share((r) => r[8].slice(11) < '06:00:00' || r[8].slice(11) > '23:00:00');
  assert.ok(night > 0.005 && night < 0.06, `outside 06–23: ${night}`);
  // All 10 stores and 8 items occur, not uniformly.
  const perStore = new Map<string, number>();
  for (const r of txs) perStore.set(r[1], (perStore.get(r[1]) ?? 0) + 1);
  assert.equal(perStore.size, STORES.length);
  const counts = [...perStore.values()];
  assert.ok(Math.max(...counts) > 1.3 * Math.min(...counts), 'stores are skewed');
  const perItem = new Set(items.map((r) => r[1]));
  assert.equal(perItem.size, MENU_ITEMS.length);
  // Each store has a clear top customer: the best buys far more than the median customer.
  const perUser = new Map<string, Map<string, number>>();
  for (const r of txs) {
    if (r[4] === '') continue;
    const m = perUser.get(r[1]) ?? new Map<string, number>();
    m.set(r[4], (m.get(r[4]) ?? 0) + 1);
    perUser.set(r[1], m);
  }
  for (const [store, m] of perUser) {
    const c = [...m.values()].sort((x, y) => y - x);
    assert.ok(c[0] >= 3 * c[Math.floor(c.length / 2)], `store ${store}: top ${c[0]} vs median ${c[Math.floor(c.length / 2)]}`);
  }
});

test('stale CSVs of an earlier run are removed; other files are kept', async () => {
  const d = join(root, 'stale');
  await mkdir(join(d, 'transactions'), { recursive: true });
  await writeFile(join(d, 'transactions', 'transactions_hardcases.csv'), 'x\n');
  await writeFile(join(d, 'README.txt'), 'keep\n');
  await generateDataset({ out: d, scale: 0.0002, seed: 1, hardCases: false, badRows: false });
  await assert.rejects(stat(join(d, 'transactions', 'transactions_hardcases.csv')));
  assert.equal(await readFile(join(d, 'README.txt'), 'utf8'), 'keep\n');
});

test('invalid options are rejected before anything is written', async () => {
  await assert.rejects(generateDataset({ out: join(root, 'bad'), scale: 0, seed: 1, hardCases: false, badRows: false }), RangeError);
  await assert.rejects(generateDataset({ out: join(root, 'bad'), scale: 0.001, seed: -1, hardCases: false, badRows: false }), RangeError);
  await assert.rejects(generateDataset({ out: join(root, 'bad'), scale: 0.001, seed: 1.5, hardCases: false, badRows: false }), RangeError);
  await assert.rejects(stat(join(root, 'bad')));
});
