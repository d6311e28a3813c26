import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeRows } from '../../testing/batch-rows.js';
import { routedId, sourceId } from '../../protocol/internal/ids.js';
import { FirstSeenTable, joinReference } from './reference-join.js';
import { deriveRandom } from '../../tools/generator/random.js';

const stores = (seq: number, rows: Array<[number, string]>) => ({
  type: 'data',
  id: routedId(sourceId('stores', seq), 'q3-agg', 0),
  body: encodeRows(
    'stores',
    rows.map(([storeId, storeName]) => ({ storeId, storeName })),
  ),
});

test('a duplicated key keeps its first occurrence in the dataset, whatever the arrival order', () => {
  const t = new FirstSeenTable<string>();
  assert.equal(joinReference(t, stores(2, [[1, 'later batch']]), 'stores'), true);
  assert.equal(
    joinReference(
      t,
      stores(1, [
        [1, 'first'],
        [1, 'same batch, later row'],
        [2, 'two'],
      ]),
      'stores',
    ),
    true,
  );
  assert.equal(t.get(1), 'first');
  assert.equal(t.get(2), 'two');
  assert.equal(t.get(3), undefined);
  assert.equal(t.size, 2);
});

test('other tables are consumed but ignored; non-batch messages are left to the caller; keep filters keys', () => {
  const t = new FirstSeenTable<string>();
  assert.equal(joinReference(t, stores(0, [[1, 'a']]), 'menu_items'), true);
  assert.equal(t.size, 0);
  assert.equal(joinReference(t, { type: 'q3-partial', id: 'x', body: Buffer.from('[]') }, 'stores'), false);
  joinReference(
    t,
    stores(0, [
      [1, 'odd'],
      [2, 'even'],
    ]),
    'stores',
    (k) => k % 2 === 0,
  );
  assert.deepEqual([t.get(1), t.get(2)], [undefined, 'even']);
});

test('the table agrees with a first-seen Map model over 100 k sets: ids 0..2^32-1, ranks in any order, growth from 16 slots', () => {
  const rnd = deriveRandom(23, 5);
  const t = new FirstSeenTable<string>();
  const model = new Map<number, { rank: number; value: string }>();
  const edges = [0, 1, 15, 16, 2_147_483_647, 2_147_483_648, 4_294_967_295];
  for (let n = 0; n < 100_000; n++) {
    const key = rnd.float() < 0.02 ? edges[rnd.int(edges.length)] : rnd.float() < 0.5 ? rnd.int(5_000) : rnd.int(4_294_967_296);
    const seq = rnd.int(50);
    const row = rnd.int(1_000);
    const value = `${key}@${seq}.${row}`;
    t.set(key, value, seq, row);
    const rank = seq * 1_048_576 + row;
    const prev = model.get(key);
    if (prev === undefined || rank < prev.rank) model.set(key, { rank, value });
  }
  assert.equal(t.size, model.size);
  for (const [key, { value }] of model) if (t.get(key) !== value) assert.fail(`key ${key}: ${t.get(key)} instead of ${value}`);
  for (let n = 0; n < 10_000; n++) {
    const key = rnd.int(4_294_967_296);
    assert.equal(t.get(key), model.get(key)?.value, `absent or present key ${key}`);
  }
});

test('a key that is not a u32 id is a RangeError, not a silent alias; lookups of such keys find nothing', () => {
  const t = new FirstSeenTable<string>();
  for (const bad of [-1, 4_294_967_296, 1.5, Number.NaN]) assert.throws(() => t.set(bad, 'x', 0, 0), RangeError);
  t.set(7, 'seven', 0, 0);
  assert.deepEqual([t.get(-1), t.get(7.5), t.get(7), t.size], [undefined, undefined, 'seven', 1]);
});
