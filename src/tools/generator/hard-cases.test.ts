import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateDataset } from './dataset.js';
import { HARD_CASE_EXPECTED, MISSING_USER_ID } from './hard-cases.js';
import { GENERATED_TABLES } from './schema.js';
import { allRows, listFiles } from '../../testing/dataset-rows.js';

let root: string;
let plain: string;
let hard: string;

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'gen-hard-'));
  plain = join(root, 'plain');
  hard = join(root, 'hard');
  await generateDataset({ out: plain, scale: 0.0005, seed: 9, hardCases: false, badRows: false });
  await generateDataset({ out: hard, scale: 0.0005, seed: 9, hardCases: true, badRows: false });
});

after(async () => {
  await rm(root, { recursive: true, force: true });
});

const cents = (s: string): number => Math.round(Number(s) * 100);
const inYears = (ts: string): boolean => ts >= '2024-01-01 00:00:00' && ts <= '2025-12-31 23:59:59';

test('hard cases only add files: every normal file is unchanged', async () => {
  const normal = await listFiles(plain);
  const withHard = await listFiles(hard);
  assert.deepEqual(
    withHard.filter((f) => !f.includes('_hardcases')),
    normal,
  );
  for (const f of normal) assert.ok((await readFile(join(plain, f))).equals(await readFile(join(hard, f))), f);
});

test('a CRLF file exists for every table kind', async () => {
  for (const table of GENERATED_TABLES) {
    const names = await readdir(join(hard, table));
    const crlf: string[] = [];
    for (const n of names) {
      const text = await readFile(join(hard, table, n), 'utf8');
      if (text.includes('\r\n') && !/[^\r]\n/.test(text)) crlf.push(n);
    }
    assert.ok(crlf.length >= 1, `${table} has a CRLF file`);
  }
});

test('quoted and non-ASCII names parse back exactly', async () => {
  const storesText = await readFile(join(hard, 'stores/stores_hardcases.csv'), 'utf8');
  assert.ok(storesText.includes('"Kopi ""Corner"", Bangsar"'), 'raw file uses doubled quotes');
  const stores = new Map((await allRows(hard, 'stores')).map((r) => [r[0], r]));
  assert.equal(stores.get('11')?.[1], 'Kopi "Corner", Bangsar');
  assert.equal(stores.get('11')?.[2], 'Jalan Telawi 3, Bangsar Baru');
  assert.equal(stores.get('12')?.[1], 'Café Ñandú 東京');
  assert.equal(stores.get('13')?.[1], 'G Coffee @ Kedai Kecil');
  assert.equal(stores.get('13')?.length, 8);
  const items = new Map((await allRows(hard, 'menu_items')).map((r) => [r[0], r]));
  assert.equal(items.get('9')?.[1], 'Kopi "Special", Large');
  assert.equal(items.get('10')?.[1], 'Café Ñandú 東京');
});

test('transactions and items exist on every boundary timestamp', async () => {
  const txTs = new Set((await allRows(hard, 'transactions')).map((r) => r[8]));
  const itTs = new Set((await allRows(hard, 'transaction_items')).map((r) => r[5]));
  const boundaries = ['2023-12-31 23:59:59', '2024-01-01 00:00:00', '2025-12-31 23:59:59', '2026-01-01 00:00:00'];
  for (const t of ['05:59:59', '06:00:00', '23:00:00', '23:00:01']) boundaries.push(`2024-06-30 ${t}`, `2025-03-15 ${t}`);
  for (const b of boundaries) {
    assert.ok(txTs.has(b), `transaction at ${b}`);
    assert.ok(itTs.has(b), `item row at ${b}`);
  }
});

test('final_amount exactly 75.00, 74.99 and 75.01 occur in the hour window', async () => {
  const hc = (await allRows(hard, 'transactions')).filter(
    (r) => r[8].slice(11) >= '06:00:00' && r[8].slice(11) <= '23:00:00' && inYears(r[8]),
  );
  const finals = new Set(hc.map((r) => cents(r[7])));
  for (const c of [7500, 7499, 7501]) assert.ok(finals.has(c), `final ${c / 100}`);
  for (const r of hc) assert.equal(cents(r[7]), cents(r[5]) - cents(r[6]));
});

test('Q2 ties of the crafted months resolve to the expected items (smaller item_id wins)', async () => {
  const names = new Map((await allRows(hard, 'menu_items')).map((r) => [Number(r[0]), r[1]]));
  const qty = new Map<string, Map<number, number>>();
  const profit = new Map<string, Map<number, number>>();
  for (const r of await allRows(hard, 'transaction_items')) {
    const month = r[5].slice(0, 7);
    const item = Number(r[1]);
    for (const [m, v] of [
      [qty, Number(r[2])],
      [profit, cents(r[4])],
    ] as const) {
      const byItem = m.get(month) ?? new Map<number, number>();
      byItem.set(item, (byItem.get(item) ?? 0) + v);
      m.set(month, byItem);
    }
  }
  const top = (m: Map<number, number>): [number, number, number] => {
    const sorted = [...m].sort((x, y) => y[1] - x[1] || x[0] - y[0]);
    return [sorted[0][0], sorted[0][1], sorted[1][1]];
  };
  for (const [month, name, q] of HARD_CASE_EXPECTED.q2BestSelling) {
    const [item, value] = top(qty.get(month)!);
    assert.deepEqual([names.get(item), value], [name, q], `best selling ${month}`);
  }
  for (const [month, name, p] of HARD_CASE_EXPECTED.q2MostProfit) {
    const [item, value] = top(profit.get(month)!);
    assert.deepEqual([names.get(item), (value / 100).toFixed(2)], [name, p], `most profit ${month}`);
  }
  // The ties really are ties at the top.
  assert.equal(top(qty.get('2025-08')!)[2], 8);
  assert.equal(top(qty.get('2025-09')!)[2], 4);
  assert.equal(top(profit.get('2025-08')!)[2], 8400);
  assert.equal(top(profit.get('2025-10')!)[2], 2400);
});

test('Q4 of the hard-case stores: ties, a store with fewer than 3 customers, guests, a user missing from users', async () => {
  const txs = await allRows(hard, 'transactions');
  const names = new Map((await allRows(hard, 'stores')).map((r) => [r[0], r[1]]));
  const counts = new Map<string, Map<number, number>>();
  let guestsInHardStores = 0;
  for (const r of txs) {
    if (!['11', '12', '13'].includes(r[1]) || !inYears(r[8])) continue;
    if (r[4] === '') {
      guestsInHardStores++;
      continue;
    }
    const store = names.get(r[1])!;
    const m = counts.get(store) ?? new Map<number, number>();
    const user = Number(r[4]);
    m.set(user, (m.get(user) ?? 0) + 1);
    counts.set(store, m);
  }
  assert.ok(guestsInHardStores >= 8, 'guest purchases would outrank everyone');
  for (const [store, expected] of Object.entries(HARD_CASE_EXPECTED.q4)) {
    const sorted = [...counts.get(store)!].sort((x, y) => y[1] - x[1] || x[0] - y[0]).slice(0, 3);
    assert.deepEqual(
      sorted,
      expected.map(([u, c]) => [u, c]),
      store,
    );
  }
  // The 3rd place of store 11 is a real tie (three users at 3), and 9000004 has 2 more outside 2024–2025.
  const s11 = counts.get('Kopi "Corner", Bangsar')!;
  assert.deepEqual([s11.get(9000003), s11.get(9000004), s11.get(9000005)], [3, 3, 3]);
  assert.equal(txs.filter((r) => r[4] === '9000004.0').length, 5);
  const users = new Set((await allRows(hard, 'users')).map((r) => r[0]));
  assert.ok(txs.some((r) => r[4] === `${MISSING_USER_ID}.0`));
  assert.equal(users.has(String(MISSING_USER_ID)), false);
  for (const [u] of HARD_CASE_EXPECTED.q4['Kopi "Corner", Bangsar']) assert.ok(users.has(String(u)));
});

test('hard cases are deterministic per seed', async () => {
  const again = join(root, 'again');
  await generateDataset({ out: again, scale: 0.0005, seed: 9, hardCases: true, badRows: false });
  for (const f of await listFiles(hard)) assert.ok((await readFile(join(hard, f))).equals(await readFile(join(again, f))), f);
});
