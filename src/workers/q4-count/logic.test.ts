import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Topology } from '../../node/middleware/topology.js';
import { ClusterConfigSchema } from '../../node/config/cluster.js';
import { encodeRows, type UserRow } from '../../testing/batch-rows.js';
import { encodeQ4Counts } from '../../protocol/payloads/q4-counts.js';
import { decodeTuples, type Q4Candidate } from '../../protocol/payloads/json.js';
import { q4CountLogic } from './logic.js';

const SESSION = '5e5e5e5e-1111-4222-8333-444444444444';
const at = (partition: number) => ({ session: SESSION, partition });
const topology = new Topology(ClusterConfigSchema.parse({})); // q4-count: 2, q4-top: 2

const counts = (id: string, triples: Array<[number, number, number]>) => {
  const m = new Map<number, Map<number, number>>();
  for (const [s, u, c] of triples) {
    if (!m.has(s)) m.set(s, new Map());
    m.get(s)!.set(u, c);
  }
  return { type: 'q4-counts', id, body: encodeQ4Counts(m) };
};
const users = (seq: number, p: number, rows: UserRow[]) => ({
  type: 'data',
  id: `users:${seq}>q4-count.${p}`,
  body: encodeRows('users', rows),
});

test("per store local top 3 (ties: smaller user), with own users' birthdates, sent to the store's q4-top partition", () => {
  const logic = q4CountLogic(topology);
  const state = logic.newState();
  // This is partition 0: it owns even users.
  logic.apply(
    state,
    users(3, 0, [
      { userId: 2, birthdate: '1990-02-02' },
      { userId: 4, birthdate: '1990-04-04' },
      { userId: 5, birthdate: 'not-mine' },
    ]),
    at(0),
  );
  logic.apply(state, users(1, 0, [{ userId: 2, birthdate: '1980-01-01' }]), at(0)); // earlier batch wins
  logic.apply(
    state,
    counts('t:0>q4-count.0', [
      [10, 8, 2],
      [10, 6, 3],
      [10, 4, 3],
      [10, 2, 3],
      [11, 2, 1],
    ]),
    at(0),
  );
  logic.apply(
    state,
    counts('t:1>q4-count.0', [
      [10, 8, 1],
      [10, 6, 0],
    ]),
    at(0),
  );
  // Store 10: users 2,4,6,8 all with 3: top 3 by smaller id = 2,4,6.
  const emits = logic.finalize(state, { session: SESSION, partition: 0 });
  const byP = new Map(emits.map((e) => [e.queue, e]));
  assert.equal(emits.length, 3);
  // Data quality: users 6 and 8 (this partition's) are not in users; their purchases still rank and are counted.
  const dq = byP.get(topology.resultsQueue(SESSION))!;
  assert.deepEqual(dq.headers, { q: 'dq', p: 0, k: 2 });
  assert.deepEqual(JSON.parse(dq.body.toString()), { q4Users: { rows: 6, ids: [6, 8] } });
  const e0 = byP.get('coffee.q4-top.0')!; // store 10 % 2
  const e1 = byP.get('coffee.q4-top.1')!; // store 11 % 2
  assert.equal(e0.id, 'fin:q4-count.0>q4-top.0');
  assert.equal(e1.id, 'fin:q4-count.0>q4-top.1');
  assert.equal(e0.stage, 'q4-top');
  assert.equal(e0.type, 'q4-candidates');
  // The store's purchases in this partition ride on its first candidate (q4-top counts missing stores with them).
  assert.deepEqual(decodeTuples<Q4Candidate>(e0.body, 5, 'c'), [
    [10, 2, 3, '1980-01-01', 12],
    [10, 4, 3, '1990-04-04', 0],
    [10, 6, 3, '', 0],
  ]);
  assert.deepEqual(decodeTuples<Q4Candidate>(e1.body, 5, 'c'), [[11, 2, 1, '1980-01-01', 1]]);
  assert.deepEqual(logic.finalize(state, { session: SESSION, partition: 0 }), emits);
});

test('users not owned by this partition are not kept; an empty state sends only its (zero) data-quality counts', () => {
  const logic = q4CountLogic(topology);
  const state = logic.newState();
  logic.apply(
    state,
    users(0, 1, [
      { userId: 2, birthdate: 'x' },
      { userId: 3, birthdate: '2000-03-03' },
    ]),
    at(1),
  );
  assert.equal(state.birthdates.size, 1);
  assert.equal(state.birthdates.get(3), '2000-03-03');
  assert.deepEqual(
    logic.finalize(state, { session: SESSION, partition: 1 }).map((e) => [e.stage, e.body.toString()]),
    [['results', '{"q4Users":{"rows":0,"ids":[]}}']],
  );
});

test('the partition a replica owns comes from its context, not from the message id', () => {
  const logic = q4CountLogic(topology);
  const state = logic.newState();
  const msg = {
    type: 'data',
    id: 'users:0',
    body: encodeRows('users', [
      { userId: 2, birthdate: 'x' },
      { userId: 3, birthdate: 'y' },
    ]),
  };
  logic.apply(state, msg, at(1));
  assert.deepEqual([state.birthdates.get(2), state.birthdates.get(3)], [undefined, 'y']);
});

test('usage: distinct (store, user) pairs and own users kept, for the q4_pairs and reference_keys quotas', () => {
  const logic = q4CountLogic(topology);
  const state = logic.newState();
  logic.apply(
    state,
    counts('a', [
      [1, 2, 1],
      [1, 4, 1],
      [2, 2, 1],
    ]),
    at(0),
  );
  logic.apply(state, counts('b', [[1, 2, 5]]), at(0)); // a pair already counted
  logic.apply(
    state,
    users(0, 0, [
      { userId: 2, birthdate: '1990-01-01' },
      { userId: 5, birthdate: 'not mine' },
    ]),
    at(0),
  );
  assert.deepEqual(logic.usage(state), { keys: 3, referenceKeys: 1 });
});
