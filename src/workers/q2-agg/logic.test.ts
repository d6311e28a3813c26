import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Topology } from '../../node/middleware/topology.js';
import { ClusterConfigSchema } from '../../node/config/cluster.js';
import { encodeRows, type MenuItemRow } from '../../testing/batch-rows.js';
import { decodeTuples, encodeTuples, type Q2Partial, type Q2ResultRow } from '../../protocol/payloads/json.js';
import { q2AggLogic } from './logic.js';

const SESSION = '5e5e5e5e-1111-4222-8333-444444444444';
const at = (partition: number) => ({ session: SESSION, partition });
const topology = new Topology(ClusterConfigSchema.parse({}));
const partial = (id: string, rows: Q2Partial[]) => ({ type: 'q2-partial', id, body: encodeTuples(rows) });
const menu = (seq: number, rows: MenuItemRow[]) => ({
  type: 'data',
  id: `menu_items:${seq}>q2-agg.0`,
  body: encodeRows('menu_items', rows),
});

function run(msgs: Array<{ type: string; id: string; body: Buffer }>): Q2ResultRow[] {
  const logic = q2AggLogic(topology);
  const state = logic.newState();
  for (const m of msgs) logic.apply(state, m, at(0));
  const emits = logic.finalize(state, { session: SESSION, partition: 0 });
  assert.equal(emits.length, 2, 'the rows and the data-quality counts');
  assert.deepEqual(emits[1].headers, { q: 'dq', p: 0, k: 0 });
  assert.equal(emits[0].id, 'r:q2.0.0');
  assert.deepEqual(emits[0].headers, { q: 'q2', p: 0, k: 0 });
  // Finalize is repeatable (a second EOS after a crash).
  assert.deepEqual(logic.finalize(state, { session: SESSION, partition: 0 }), emits);
  return decodeTuples<Q2ResultRow>(emits[0].body, 5, 'q2 rows');
}

test('per month: best-selling and most profitable item, summed over partials, months in order', () => {
  const rows = run([
    menu(0, [
      { itemId: 1, itemName: 'Espresso' },
      { itemId: 2, itemName: 'Latte' },
      { itemId: 3, itemName: 'Cake, "big"' },
    ]),
    partial('a>q2-agg.0', [
      [202402, 1, 5, 500, 1],
      [202402, 2, 3, 900, 1],
      [202401, 3, 1, 100, 1],
    ]),
    partial('b>q2-agg.0', [
      [202402, 1, 1, 100, 1],
      [202402, 2, 2, 600, 1],
    ]),
  ]);
  assert.deepEqual(rows, [
    ['2024-01', 'Cake, "big"', 1, 'Cake, "big"', 100],
    ['2024-02', 'Espresso', 6, 'Latte', 1500],
  ]);
});

test('ties go to the smaller item_id, whatever the arrival order', () => {
  const rows = run([
    partial('a', [
      [202501, 9, 4, 700, 1],
      [202501, 5, 2, 700, 1],
      [202501, 7, 4, 100, 1],
    ]),
    partial('b', [[202501, 5, 2, 0, 1]]), // item 5: qty 4, cents 700 -> ties both
  ]);
  assert.deepEqual(rows, [['2025-01', '', 4, '', 700]]);
  // Names are joined by item id: give them names to see which won.
  const named = run([
    menu(
      0,
      [5, 7, 9].map((itemId) => ({ itemId, itemName: `item${itemId}` })),
    ),
    partial('a', [
      [202501, 9, 4, 700, 1],
      [202501, 7, 4, 100, 1],
      [202501, 5, 2, 700, 1],
    ]),
    partial('b', [[202501, 5, 2, 0, 1]]),
  ]);
  assert.deepEqual(named, [['2025-01', 'item5', 4, 'item5', 700]]);
});

test('names: first occurrence wins by (batch seq, row), whatever order batches arrive in', () => {
  const rows = run([
    menu(5, [{ itemId: 1, itemName: 'late-seq' }]),
    menu(2, [
      { itemId: 1, itemName: 'early-seq' },
      { itemId: 1, itemName: 'same-batch-later-row' },
    ]),
    menu(9, [{ itemId: 1, itemName: 'even-later' }]),
    partial('p', [[202403, 1, 1, 1, 1]]),
  ]);
  assert.equal(rows[0][1], 'early-seq');
  // An unknown item joins as an empty name; other tables' batches are ignored.
  const unknown = run([
    { type: 'data', id: 'stores:0>q2-agg.0', body: encodeRows('stores', [{ storeId: 1, storeName: 'S' }]) },
    partial('p', [[202403, 1, 1, 1, 1]]),
  ]);
  assert.equal(unknown[0][1], '');
  assert.deepEqual(run([]), []);
});

test('data quality: rows of items missing from menu_items are counted (they still rank)', () => {
  const logic = q2AggLogic(topology);
  const state = logic.newState();
  logic.apply(state, menu(0, [{ itemId: 1, itemName: 'Espresso' }]), at(0));
  logic.apply(
    state,
    partial('a>q2-agg.0', [
      [202402, 1, 5, 500, 4],
      [202402, 99, 25, 2500, 7],
      [202403, 99, 1, 100, 1],
      [202403, 42, 1, 100, 2],
    ]),
    at(0),
  );
  const emits = logic.finalize(state, { session: SESSION, partition: 0 });
  assert.deepEqual(decodeTuples<Q2ResultRow>(emits[0].body, 5, 'q2 rows')[0], ['2024-02', '', 25, '', 2500]);
  assert.deepEqual(JSON.parse(emits[1].body.toString()), { q2Items: { rows: 10, ids: [42, 99] } });
});

test('usage: distinct (month, item) groups and menu items kept, for the groups and reference_keys quotas', () => {
  const logic = q2AggLogic(topology);
  const state = logic.newState();
  logic.apply(
    state,
    partial('a', [
      [202401, 1, 1, 100, 1],
      [202401, 2, 1, 100, 1],
      [202402, 1, 1, 100, 1],
    ]),
    at(0),
  );
  logic.apply(state, partial('b', [[202401, 1, 4, 400, 1]]), at(0)); // a group already there
  logic.apply(
    state,
    menu(0, [
      { itemId: 1, itemName: 'A' },
      { itemId: 2, itemName: 'B' },
      { itemId: 1, itemName: 'dup' },
    ]),
    at(0),
  );
  assert.deepEqual(logic.usage(state), { keys: 3, referenceKeys: 2 });
});
