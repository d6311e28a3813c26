import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Topology } from '../../node/middleware/topology.js';
import { ClusterConfigSchema } from '../../node/config/cluster.js';
import { encodeRows, type StoreRow } from '../../testing/batch-rows.js';
import { decodeTuples, encodeTuples, type Q3Partial, type Q3ResultRow } from '../../protocol/payloads/json.js';
import { q3AggLogic } from './logic.js';

const SESSION = '5e5e5e5e-1111-4222-8333-444444444444';
const at = (partition: number) => ({ session: SESSION, partition });
const topology = new Topology(ClusterConfigSchema.parse({}));
const partial = (id: string, rows: Q3Partial[]) => ({ type: 'q3-partial', id, body: encodeTuples(rows) });
const stores = (seq: number, rows: StoreRow[]) => ({ type: 'data', id: `stores:${seq}>q3-agg.1`, body: encodeRows('stores', rows) });

test('sums TPV per (half, store) over partials and joins first-occurrence store names', () => {
  const logic = q3AggLogic(topology);
  const state = logic.newState();
  logic.apply(
    state,
    partial('t:0>q3-agg.1', [
      [20241, 1, 1000, 1],
      [20242, 1, 50, 1],
      [20241, 3, 7, 1],
    ]),
    at(1),
  );
  logic.apply(state, stores(4, [{ storeId: 1, storeName: 'later' }]), at(1));
  logic.apply(
    state,
    stores(1, [
      { storeId: 1, storeName: 'G Coffee @ A' },
      { storeId: 3, storeName: 'B' },
      { storeId: 3, storeName: 'B-dup' },
    ]),
    at(1),
  );
  logic.apply(state, partial('t:1>q3-agg.1', [[20241, 1, 234, 1]]), at(1));
  logic.apply(state, { type: 'q2-partial', id: 'x', body: Buffer.from('not even json') }, at(1)); // other types ignored
  const emits = logic.finalize(state, { session: SESSION, partition: 1 });
  assert.equal(emits.length, 2, 'the rows and the data-quality counts');
  assert.deepEqual(JSON.parse(emits[1].body.toString()), { q3Stores: { rows: 0, ids: [] } });
  assert.equal(emits[0].id, 'r:q3.1.0');
  assert.equal(emits[0].queue, topology.resultsQueue(SESSION));
  const rows = decodeTuples<Q3ResultRow>(emits[0].body, 4, 'q3').sort((a, b) => a[0].localeCompare(b[0]) || a[1] - b[1]);
  assert.deepEqual(rows, [
    ['2024-H1', 1, 'G Coffee @ A', 1234],
    ['2024-H1', 3, 'B', 7],
    ['2024-H2', 1, 'G Coffee @ A', 50],
  ]);
  assert.deepEqual(logic.finalize(state, { session: SESSION, partition: 1 }), emits);
});

test('a malformed partial is rejected', () => {
  const logic = q3AggLogic(topology);
  assert.throws(() => logic.apply(logic.newState(), { type: 'q3-partial', id: 'x', body: encodeTuples([[20241, 1]]) }, at(1)));
});

test('data quality: rows of stores missing from stores are counted; their TPV row stays, nameless', () => {
  const logic = q3AggLogic(topology);
  const state = logic.newState();
  logic.apply(state, stores(0, [{ storeId: 1, storeName: 'A' }]), at(1));
  logic.apply(
    state,
    partial('t:0>q3-agg.1', [
      [20241, 1, 1000, 3],
      [20241, 77, 500, 2],
      [20242, 77, 1, 1],
    ]),
    at(1),
  );
  const emits = logic.finalize(state, { session: SESSION, partition: 1 });
  const rows = decodeTuples<Q3ResultRow>(emits[0].body, 4, 'q3').sort((a, b) => a[0].localeCompare(b[0]) || a[1] - b[1]);
  assert.deepEqual(rows, [
    ['2024-H1', 1, 'A', 1000],
    ['2024-H1', 77, '', 500],
    ['2024-H2', 77, '', 1],
  ]);
  assert.deepEqual(JSON.parse(emits[1].body.toString()), { q3Stores: { rows: 3, ids: [77] } });
});

test('usage: distinct (half, store) groups and stores kept, for the groups and reference_keys quotas', () => {
  const logic = q3AggLogic(topology);
  const state = logic.newState();
  logic.apply(
    state,
    partial('a', [
      [20241, 1, 10, 1],
      [20242, 1, 10, 1],
      [20241, 3, 10, 1],
    ]),
    at(1),
  );
  logic.apply(state, partial('b', [[20241, 1, 10, 1]]), at(1));
  logic.apply(state, stores(0, [{ storeId: 1, storeName: 'A' }]), at(1));
  assert.deepEqual(logic.usage(state), { keys: 3, referenceKeys: 1 });
});
