import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Q3Partial } from '../../protocol/payloads/json.js';
import { halfKey, QUERY_PERIOD_END, QUERY_PERIOD_START } from '../../queries/rules.js';
import { StoreHalfSums } from './store-half-sums.js';

const all = (sums: StoreHalfSums): Q3Partial[] => {
  const out: Q3Partial[] = [];
  sums.forEach((p) => out.push(p));
  return out.sort((a, b) => a[1] - b[1] || a[0] - b[0]);
};

/** The nested-Map model the cells replace (store → half key → [cents, rows]). */
function model(rows: Array<[store: number, ts: number, cents: number]>): Q3Partial[] {
  const m = new Map<number, Map<number, [number, number]>>();
  for (const [store, ts, cents] of rows) {
    let halves = m.get(store);
    if (!halves) m.set(store, (halves = new Map<number, [number, number]>()));
    const acc = halves.get(halfKey(ts)) ?? [0, 0];
    halves.set(halfKey(ts), [acc[0] + cents, acc[1] + 1]);
  }
  const out: Q3Partial[] = [];
  for (const [store, halves] of m) for (const [hk, [cents, n]] of halves) out.push([hk, store, cents, n]);
  return out.sort((a, b) => a[1] - b[1] || a[0] - b[0]);
}

test('sums cents and rows per (store, half year) like nested Maps, across batches, direct and wide stores', () => {
  const sums = new StoreHalfSums();
  let x = 99;
  const next = (): number => {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    return x / 4294967296;
  };
  // Direct cells, the first wide store, the u32 top; the period's first and last second.
  const stores = [0, 1, 7, 1023, 1024, 65_536, 0xffffffff];
  const span = QUERY_PERIOD_END - QUERY_PERIOD_START;
  for (const rows of [5_000, 0, 3, 20_000]) {
    sums.reset();
    const batch: Array<[number, number, number]> = [];
    for (let i = 0; i < rows; i++) {
      const ts = i === 0 ? QUERY_PERIOD_START : i === 1 ? QUERY_PERIOD_END - 1 : QUERY_PERIOD_START + Math.floor(next() * span);
      const row: [number, number, number] = [stores[Math.floor(next() * stores.length)], ts, Math.floor(next() * 1_000_000)];
      batch.push(row);
      sums.add(...row);
    }
    assert.deepEqual(all(sums), model(batch), `batch of ${rows}`);
  }
  sums.reset();
  assert.deepEqual(all(sums), [], 'reset leaves nothing behind');
});

test('large sums stay exact (cents of a whole batch at one store)', () => {
  const sums = new StoreHalfSums();
  for (let i = 0; i < 100_000; i++) sums.add(3, QUERY_PERIOD_START, 99_999_999);
  assert.deepEqual(all(sums), [[20241, 3, 100_000 * 99_999_999, 100_000]]);
});
