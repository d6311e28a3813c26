import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deriveRandom } from '../../tools/generator/random.js';
import { MonthItemSums } from './month-item-sums.js';

type Sums = Map<string, [number, number, number]>;

function collect(sums: MonthItemSums): { keys: string[]; sums: Sums } {
  const keys: string[] = [];
  const out: Sums = new Map();
  sums.forEach((month, item, quantity, cents, rows) => {
    keys.push(`${month}/${item}`);
    out.set(`${month}/${item}`, [quantity, cents, rows]);
  });
  return { keys, sums: out };
}

const MONTHS = Array.from({ length: 24 }, (_, k) => (2024 + Math.floor(k / 12)) * 100 + (k % 12) + 1);
// Small ids (the direct table), its edges, and ids the table does not hold (up to u32's max).
const ITEMS = [0, 1, 7, 1023, 1024, 4096, 65_535, 2_147_483_647, 2_147_483_648, 4_294_967_295];

test('month-item sums: the same sums, keys and first-appearance order as a Map, for every month and item ids from 0 to 2^32-1', () => {
  const rnd = deriveRandom(11, 2);
  const sums = new MonthItemSums();
  for (let batch = 0; batch < 5; batch++) {
    sums.reset();
    const model: Sums = new Map();
    for (let r = 0; r < 20_000; r++) {
      const month = MONTHS[rnd.int(MONTHS.length)];
      const item = rnd.float() < 0.8 ? rnd.int(40) : ITEMS[rnd.int(ITEMS.length)];
      const quantity = rnd.int(10) - 2; // the wire allows any int32
      const cents = rnd.int(2_000_000_000);
      sums.add(month, item, quantity, cents);
      const key = `${month}/${item}`;
      const acc = model.get(key);
      if (acc) {
        acc[0] += quantity;
        acc[1] += cents;
        acc[2]++;
      } else model.set(key, [quantity, cents, 1]);
    }
    const got = collect(sums);
    assert.deepEqual(got.keys, [...model.keys()], `batch ${batch}: keys or their order`);
    assert.deepEqual(got.sums, model, `batch ${batch}: sums`);
    assert.equal(sums.size, model.size);
  }
});

test('month-item sums: reset() forgets every key, also after a batch that stopped half-way', () => {
  const sums = new MonthItemSums();
  sums.add(202401, 3, 1, 100);
  sums.add(202512, 4_294_967_295, 2, 200);
  sums.reset();
  assert.equal(sums.size, 0);
  assert.deepEqual(collect(sums).keys, []);
  // The same keys again start from zero, not from the previous batch's sums.
  sums.add(202512, 4_294_967_295, 5, 7);
  sums.add(202401, 3, 1, 1);
  assert.deepEqual(
    [...collect(sums).sums],
    [
      ['202512/4294967295', [5, 7, 1]],
      ['202401/3', [1, 1, 1]],
    ],
  );
});

test('month-item sums: one (month, item) pair per key: the same item in another month, the same month for another item', () => {
  const sums = new MonthItemSums();
  sums.add(202401, 5, 1, 10);
  sums.add(202402, 5, 1, 10);
  sums.add(202401, 6, 1, 10);
  sums.add(202401, 5, 1, 10);
  sums.add(202401, 1024, 1, 10); // the first id past the direct table: the Map, not a cell of the next month's row
  assert.deepEqual(
    [...collect(sums).sums],
    [
      ['202401/5', [2, 20, 2]],
      ['202402/5', [1, 10, 1]],
      ['202401/6', [1, 10, 1]],
      ['202401/1024', [1, 10, 1]],
    ],
  );
});
