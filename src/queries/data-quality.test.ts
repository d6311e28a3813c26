import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  MISSING_IDS_SHOWN,
  MissingReferenceCounter,
  describeDataQuality,
  emptyDataQuality,
  mergeDataQuality,
  missingReferenceRows,
  parseDataQuality,
} from './data-quality.js';

test('a counter sums rows and keeps the smallest distinct ids', () => {
  const c = new MissingReferenceCounter();
  for (let id = 30; id > 0; id--) c.add(id, 2);
  c.add(5, 1);
  assert.deepEqual(c.result(), { rows: 61, ids: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10] });
});

test('partitions merge: rows add up, ids are the smallest of the union', () => {
  const merged = mergeDataQuality([
    { q2Items: { rows: 3, ids: [99, 12] } },
    { q2Items: { rows: 4, ids: [12, 7] }, q4Users: { rows: 1, ids: [9000099] } },
    {},
  ]);
  assert.deepEqual(merged.q2Items, { rows: 7, ids: [7, 12, 99] });
  assert.deepEqual(merged.q4Users, { rows: 1, ids: [9000099] });
  assert.deepEqual(merged.q3Stores, { rows: 0, ids: [] });
  assert.equal(missingReferenceRows(merged), 8);
});

test('parse ignores what is not a count (a payload from a peer is not trusted)', () => {
  assert.deepEqual(parseDataQuality(null), {});
  assert.deepEqual(parseDataQuality({ q3Stores: { rows: -1, ids: [] }, q2Items: { rows: 2, ids: [3, 'x', 1.5, 1] }, other: {} }), {
    q2Items: { rows: 2, ids: [1, 3] },
  });
});

test('the summary says which report, table, column and reference, and what the CSV shows', () => {
  const dq = emptyDataQuality();
  assert.deepEqual(describeDataQuality(dq), []);
  dq.q3Stores = { rows: 1, ids: [42] };
  dq.q2Items = { rows: 12, ids: Array.from({ length: MISSING_IDS_SHOWN }, (_, i) => 100 + i) };
  assert.deepEqual(describeDataQuality(dq), [
    'q2: 12 transaction_items rows whose item_id is not in menu_items (100, 101, 102, 103, 104, 105, 106, 107, 108, 109, …): empty item_name in q2_best_selling.csv / q2_most_profit.csv',
    'q3: 1 transactions row whose store_id is not in stores (42): empty store_name in q3_tpv.csv',
  ]);
});
