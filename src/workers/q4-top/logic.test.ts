import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Topology } from '../../node/middleware/topology.js';
import { ClusterConfigSchema } from '../../node/config/cluster.js';
import { encodeRows } from '../../testing/batch-rows.js';
import { decodeTuples, encodeTuples, type Q4Candidate, type Q4ResultRow } from '../../protocol/payloads/json.js';
import { q4TopLogic } from './logic.js';

const SESSION = '5e5e5e5e-1111-4222-8333-444444444444';
const at = (partition: number) => ({ session: SESSION, partition });
const topology = new Topology(ClusterConfigSchema.parse({}));
const cands = (from: number, rows: Q4Candidate[]) => ({
  type: 'q4-candidates',
  id: `fin:q4-count.${from}>q4-top.0`,
  body: encodeTuples(rows),
});

test("global top 3 per store from the partitions' candidates; ties on the cut go to the smaller user", () => {
  const logic = q4TopLogic(topology);
  const state = logic.newState();
  logic.apply(
    state,
    cands(1, [
      [4, 9, 5, '1999-09-09', 0],
      [4, 7, 3, '1977-07-07', 0],
      [4, 5, 2, '1955-05-05', 0],
      [6, 1, 1, '1911-11-11', 0],
    ]),
    at(0),
  );
  logic.apply(
    state,
    cands(0, [
      [4, 8, 3, '1988-08-08', 0],
      [4, 6, 3, '1966-06-06', 0],
      [4, 2, 1, '1922-02-02', 0],
    ]),
    at(0),
  );
  logic.apply(state, { type: 'data', id: 'stores:7>q4-top.0', body: encodeRows('stores', [{ storeId: 4, storeName: 'late' }]) }, at(0));
  logic.apply(
    state,
    {
      type: 'data',
      id: 'stores:2>q4-top.0',
      body: encodeRows('stores', [
        { storeId: 4, storeName: 'Four' },
        { storeId: 6, storeName: 'Six' },
      ]),
    },
    at(0),
  );
  const emits = logic.finalize(state, { session: SESSION, partition: 0 });
  assert.equal(emits.length, 2, 'the rows and the data-quality counts');
  assert.deepEqual(emits[1].headers, { q: 'dq', p: 0, k: 3 });
  assert.deepEqual(JSON.parse(emits[1].body.toString()), { q4Stores: { rows: 0, ids: [] } });
  assert.equal(emits[0].id, 'r:q4.0.0');
  assert.deepEqual(emits[0].headers, { q: 'q4', p: 0, k: 0 });
  const rows = decodeTuples<Q4ResultRow>(emits[0].body, 5, 'q4');
  // Store 4: 9 (5), then 6/7/8 tie at 3: 6 and 7 make the cut, 8 does not.
  assert.deepEqual(
    rows.filter((r) => r[0] === 4),
    [
      [4, 'Four', 9, '1999-09-09', 5],
      [4, 'Four', 6, '1966-06-06', 3],
      [4, 'Four', 7, '1977-07-07', 3],
    ],
  );
  assert.deepEqual(
    rows.filter((r) => r[0] === 6),
    [[6, 'Six', 1, '1911-11-11', 1]],
  );
  // A redelivered candidate message does not change the result; finalize is repeatable.
  logic.apply(
    state,
    cands(0, [
      [4, 8, 3, '1988-08-08', 0],
      [4, 6, 3, '1966-06-06', 0],
      [4, 2, 1, '1922-02-02', 0],
    ]),
    at(0),
  );
  assert.deepEqual(logic.finalize(state, { session: SESSION, partition: 0 }), emits);
});

test('data quality: purchases at stores missing from stores are counted once per sender, redeliveries included', () => {
  const logic = q4TopLogic(topology);
  const state = logic.newState();
  logic.apply(state, { type: 'data', id: 'stores:0>q4-top.0', body: encodeRows('stores', [{ storeId: 4, storeName: 'Four' }]) }, at(0));
  const fromP0 = cands(0, [
    [4, 1, 2, '1990-01-01', 5],
    [40, 2, 6, '1991-01-01', 9],
    [40, 3, 3, '', 0],
  ]);
  logic.apply(state, fromP0, at(0));
  logic.apply(state, fromP0, at(0)); // redelivered
  logic.apply(state, cands(1, [[40, 7, 1, '1992-01-01', 1]]), at(0));
  const emits = logic.finalize(state, { session: SESSION, partition: 0 });
  assert.deepEqual(
    decodeTuples<Q4ResultRow>(emits[0].body, 5, 'q4').filter((r) => r[0] === 40),
    [
      [40, '', 2, '1991-01-01', 6],
      [40, '', 3, '', 3],
      [40, '', 7, '1992-01-01', 1],
    ],
  );
  assert.deepEqual(JSON.parse(emits[1].body.toString()), { q4Stores: { rows: 10, ids: [40] } });
});

test('usage: distinct (store, user) candidates and stores kept, for the groups and reference_keys quotas', () => {
  const logic = q4TopLogic(topology);
  const state = logic.newState();
  logic.apply(
    state,
    cands(0, [
      [4, 9, 5, '1999-09-09', 5],
      [4, 7, 3, '1977-07-07', 0],
      [6, 1, 1, '1911-11-11', 1],
    ]),
    at(0),
  );
  logic.apply(state, cands(1, [[4, 9, 6, '1999-09-09', 6]]), at(0)); // a candidate already there
  logic.apply(state, { type: 'data', id: 'stores:0>q4-top.0', body: encodeRows('stores', [{ storeId: 4, storeName: 'A' }]) }, at(0));
  assert.deepEqual(logic.usage(state), { keys: 3, referenceKeys: 1 });
});
