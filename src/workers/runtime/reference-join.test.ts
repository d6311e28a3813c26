import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeRows } from '../../testing/batch-rows.js';
import { routedId, sourceId } from '../../protocol/internal/ids.js';
import { FirstSeenTable, joinReference } from './reference-join.js';

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
