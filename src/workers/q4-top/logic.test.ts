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
      [4, 9, 5, '1999-09-09'],
      [4, 7, 3, '1977-07-07'],
      [4, 5, 2, '1955-05-05'],
      [6, 1, 1, '1911-11-11'],
    ]),
    at(0),
  );
  logic.apply(
    state,
    cands(0, [
      [4, 8, 3, '1988-08-08'],
      [4, 6, 3, '1966-06-06'],
      [4, 2, 1, '1922-02-02'],
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
  assert.equal(emits.length, 1);
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
      [4, 8, 3, '1988-08-08'],
      [4, 6, 3, '1966-06-06'],
      [4, 2, 1, '1922-02-02'],
    ]),
    at(0),
  );
  assert.deepEqual(logic.finalize(state, { session: SESSION, partition: 0 }), emits);
});
