import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { InMessage } from '../../node/middleware/broker.js';
import { Topology, fnv1aBytes } from '../../node/middleware/topology.js';
import { ClusterConfigSchema } from '../../node/config/cluster.js';
import { encodeRows, type TransactionRow } from '../../testing/batch-rows.js';
import { epochFromCivil } from '../../queries/civil-time.js';
import { BatchDecodeError } from '../../node/errors.js';
import { forEachQ1Row } from '../../protocol/payloads/q1-rows.js';
import { forEachQ4Count } from '../../protocol/payloads/q4-counts.js';
import { decodeTuples, type Q3Partial } from '../../protocol/payloads/json.js';
import type { Emit } from '../runtime/emit.js';
import { filterTransactions, txFilterLogic } from './logic.js';

const SESSION = '5e5e5e5e-1111-4222-8333-444444444444';
const topo2 = new Topology(ClusterConfigSchema.parse({}));
const topo3 = new Topology(ClusterConfigSchema.parse({ replicas: { 'q1-sort': 3, 'q3-agg': 3, 'q4-count': 3 } }));

const ts = (s: string): number => {
  const m = /^(\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)$/.exec(s)!;
  return epochFromCivil(+m[1], +m[2], +m[3], +m[4], +m[5], +m[6]);
};
function msg(rows: TransactionRow[], id = 'transactions:3'): InMessage {
  return { type: 'data', id, session: SESSION, headers: {}, body: encodeRows('transactions', rows), redelivered: false };
}
let n = 0;
const row = (createdAt: string, over: Partial<TransactionRow> = {}): TransactionRow => ({
  transactionId: `tx-${n++}`,
  storeId: 1,
  userId: 10,
  finalAmountCents: 10_000,
  createdAt: ts(createdAt),
  ...over,
});

interface Decoded {
  q1: Array<[id: string, cents: number, p: number]>;
  q3: Array<[...Q3Partial, number]>;
  q4: Array<[store: number, user: number, count: number, p: number]>;
}
function decode(out: Emit[]): Decoded {
  const d: Decoded = { q1: [], q3: [], q4: [] };
  for (const e of out) {
    const p = Number(/\.(\d+)$/.exec(e.queue)![1]);
    if (e.stage === 'q1-sort') forEachQ1Row(e.body, (s, end, cents) => d.q1.push([e.body.toString('utf8', s, end), cents, p]));
    else if (e.stage === 'q3-agg') for (const r of decodeTuples<Q3Partial>(e.body, 4, 'q3')) d.q3.push([...r, p]);
    else if (e.stage === 'q4-count') forEachQ4Count(e.body, (store, user, count) => d.q4.push([store, user, count, p]));
    else assert.fail(`unexpected stage ${e.stage}`);
  }
  return d;
}

test('year range: 2024-01-01 00:00:00 to 2025-12-31 23:59:59 inclusive', () => {
  const rows = [
    row('2023-12-31 23:59:59', { userId: 1 }),
    row('2024-01-01 00:00:00', { userId: 2 }),
    row('2025-12-31 23:59:59', { userId: 3 }),
    row('2026-01-01 00:00:00', { userId: 4 }),
    row('2023-06-01 12:00:00', { userId: 5 }),
    row('2026-06-01 12:00:00', { userId: 6 }),
  ];
  const d = decode(filterTransactions(msg(rows), topo2));
  // All of them are outside the hour window: only Q4 (no hour filter) sees the in-range ones.
  assert.deepEqual(d.q4.map(([, u]) => u).sort(), [2, 3]);
  assert.deepEqual(d.q1, []);
  assert.deepEqual(d.q3, []);
  // Same boundaries inside the hour window reach Q1 and Q3 as well.
  const rows2 = [
    row('2023-12-31 12:00:00', { transactionId: 'y2023' }),
    row('2024-01-01 06:00:00', { transactionId: 'y2024' }),
    row('2025-12-31 23:00:00', { transactionId: 'y2025' }),
    row('2026-01-01 12:00:00', { transactionId: 'y2026' }),
  ];
  const d2 = decode(filterTransactions(msg(rows2), topo2));
  assert.deepEqual(d2.q1.map(([id]) => id).sort(), ['y2024', 'y2025']);
  assert.deepEqual(d2.q3.map(([hk, , c]) => [hk, c]).sort(), [
    [20241, 10_000],
    [20252, 10_000],
  ]);
});

test('hour window 06:00:00–23:00:00 inclusive applies to Q1 and Q3, not Q4', () => {
  const rows = [
    row('2024-06-15 05:59:59', { transactionId: 'h0559', userId: 1 }),
    row('2024-06-15 06:00:00', { transactionId: 'h0600', userId: 2 }),
    row('2024-06-15 23:00:00', { transactionId: 'h2300', userId: 3 }),
    row('2024-06-15 23:00:01', { transactionId: 'h2301', userId: 4 }),
  ];
  const d = decode(filterTransactions(msg(rows), topo2));
  assert.deepEqual(d.q1.map(([id]) => id).sort(), ['h0600', 'h2300']);
  assert.deepEqual(
    d.q3.map(([hk, store, c]) => [hk, store, c]),
    [[20241, 1, 20_000]],
  );
  assert.deepEqual(d.q4.map(([, u, c]) => [u, c]).sort(), [
    [1, 1],
    [2, 1],
    [3, 1],
    [4, 1],
  ]);
});

test('Q1 threshold: 75.00 in, 74.99 out (both still count for Q3)', () => {
  const rows = [
    row('2025-03-03 10:00:00', { transactionId: 'at', finalAmountCents: 7500 }),
    row('2025-03-03 10:00:00', { transactionId: 'below', finalAmountCents: 7499 }),
    row('2025-03-03 10:00:00', { transactionId: 'above', finalAmountCents: 7501 }),
  ];
  const d = decode(filterTransactions(msg(rows), topo2));
  assert.deepEqual(d.q1.map(([id, c]) => [id, c]).sort(), [
    ['above', 7501],
    ['at', 7500],
  ]);
  assert.deepEqual(
    d.q3.map(([hk, , c]) => [hk, c]),
    [[20251, 7500 + 7499 + 7501]],
  );
});

test('Q3 halves and per-store sums; Q4 purchase counts per (store, user); guests not counted in Q4', () => {
  const rows = [
    row('2024-06-30 23:00:00', { storeId: 4, userId: 7, finalAmountCents: 100 }),
    row('2024-07-01 06:00:00', { storeId: 4, userId: 7, finalAmountCents: 200 }),
    row('2024-07-02 12:00:00', { storeId: 4, userId: 7, finalAmountCents: 300 }),
    row('2024-07-02 12:00:00', { storeId: 5, userId: 7, finalAmountCents: 400 }),
    row('2024-07-02 12:00:00', { storeId: 5, userId: -1, finalAmountCents: 9000, transactionId: 'guest' }),
    row('2024-07-02 03:00:00', { storeId: 5, userId: -1, finalAmountCents: 500 }),
  ];
  const d = decode(filterTransactions(msg(rows), topo2));
  assert.deepEqual(d.q3.map(([hk, s, c, n]) => [hk, s, c, n]).sort(), [
    [20241, 4, 100, 1],
    [20242, 4, 500, 2],
    [20242, 5, 9400, 2],
  ]);
  assert.deepEqual(d.q4.map(([s, u, c]) => [s, u, c]).sort(), [
    [4, 7, 3],
    [5, 7, 1],
  ]);
  assert.ok(d.q4.every(([, u]) => u !== 0xffffffff && u !== -1));
  assert.deepEqual(
    d.q1.map(([id]) => id),
    ['guest'],
  ); // a guest's purchase still counts for Q1
});

test('routing: q1 by id hash, q3 by store, q4 by user; one message per non-empty partition with id <input>><stage>.<p>', () => {
  const rows: TransactionRow[] = [];
  for (let i = 0; i < 60; i++) rows.push(row('2025-05-05 12:00:00', { transactionId: `id-${i}-ü`, storeId: i % 7, userId: 100 + i }));
  const out = filterTransactions(msg(rows, 'transactions:3'), topo3);
  for (const e of out) {
    const p = Number(e.queue.slice(e.queue.lastIndexOf('.') + 1));
    assert.equal(e.queue, topo3.stageQueue(e.stage as 'q1-sort', p));
    assert.equal(e.id, `transactions:3>${e.stage}.${p}`);
    assert.equal(e.session, SESSION);
  }
  const ids = out.map((e) => e.id);
  assert.equal(new Set(ids).size, ids.length, 'at most one message per destination partition');
  assert.equal(out.length, 9); // 3 stages x 3 partitions, all non-empty here
  const d = decode(out);
  for (const [id, , p] of d.q1) {
    const b = Buffer.from(id, 'utf8');
    assert.equal(fnv1aBytes(b, 0, b.length) % 3, p, id);
  }
  assert.equal(d.q1.length, 60);
  for (const [, store, , , p] of d.q3) assert.equal(store % 3, p);
  for (const [, user, , p] of d.q4) assert.equal(user % 3, p);
  assert.equal(d.q4.length, 60);
});

test('no message for an empty partition; nothing at all for an out-of-range batch', () => {
  // One store, one user, amount below Q1: only q3 partition (store 4 % 2 = 0) and q4 partition (user 9 % 2 = 1).
  const out = filterTransactions(msg([row('2024-02-02 12:00:00', { storeId: 4, userId: 9, finalAmountCents: 100 })]), topo2);
  assert.deepEqual(out.map((e) => e.id).sort(), ['transactions:3>q3-agg.0', 'transactions:3>q4-count.1']);
  assert.deepEqual(filterTransactions(msg([row('2023-02-02 12:00:00')]), topo2), []);
  assert.deepEqual(filterTransactions(msg([]), topo2), []);
});

test('deterministic: the same input gives identical outputs', () => {
  const rows: TransactionRow[] = [];
  for (let i = 0; i < 200; i++)
    rows.push(
      row(`2024-0${1 + (i % 9)}-1${i % 10} ${String(i % 24).padStart(2, '0')}:30:00`, {
        storeId: i % 5,
        userId: i % 13 === 0 ? -1 : i % 17,
        finalAmountCents: 7000 + i * 7,
      }),
    );
  const a = filterTransactions(msg(rows), topo3);
  const b = filterTransactions(msg(rows), topo3);
  assert.ok(a.length > 0);
  assert.deepEqual(a, b);
});

test('a batch of another table is rejected', () => {
  const m: InMessage = { ...msg([]), body: encodeRows('stores', [{ storeId: 1, storeName: 'x' }]) };
  assert.throws(() => filterTransactions(m, topo2), BatchDecodeError);
  assert.throws(() => filterTransactions({ ...m, body: Buffer.from('junk') }, topo2), BatchDecodeError);
});

const uuidOf = (i: number): string => `${i.toString(16).padStart(8, '0')}-77aa-4bbb-8ccc-0123456789ab`;

test('packed ids left out for rows below 75.00 (text mode 2): the Q1 rows keep exact ids, Q3 and Q4 count every row', () => {
  const rows = [0, 1, 2, 3, 4, 5].map((i) =>
    row('2025-03-03 10:00:00', { transactionId: uuidOf(i), userId: 10 + i, finalAmountCents: i % 2 === 0 ? 7500 + i : 100 + i }),
  );
  const body = encodeRows('transactions', rows);
  // mode byte, one byte of presence bits, three ids
  assert.equal(body[body.length - 1 - 1 - 3 * 16], 2, 'text mode 2');
  const d = decode(filterTransactions({ ...msg([]), body }, topo2));
  assert.deepEqual(d.q1.map(([id, c]) => [id, c]).sort(), [
    [uuidOf(0), 7500],
    [uuidOf(2), 7502],
    [uuidOf(4), 7504],
  ]);
  assert.deepEqual(
    d.q3.map(([hk, , c]) => [hk, c]),
    [[20251, 7500 + 101 + 7502 + 103 + 7504 + 105]],
  );
  assert.equal(d.q4.length, 6);
});

test('a crafted mode-2 batch without the id of a Q1 row is rejected, not reported with an empty id', () => {
  const rows = [0, 1].map((i) => row('2025-03-03 10:00:00', { transactionId: uuidOf(i), finalAmountCents: i === 0 ? 100 : 9000 }));
  const body = encodeRows('transactions', rows);
  // mode byte, one byte of presence bits, one id
  const bits = body.length - 1 - 16;
  assert.equal(body[bits - 1], 2, 'text mode 2');
  // Row 1 (90.00) is a Q1 row: clear its bit and drop its id.
  const forged = Buffer.from(body.subarray(0, bits + 1));
  forged[bits] &= ~(1 << 1);
  assert.throws(() => filterTransactions({ ...msg([]), body: forged }, topo2), /row 1: transaction_id missing on a Q1 row/);
});

test("a node's handler reuses its Q4 tables: each batch's output is what fresh tables give, also after a batch that threw", () => {
  const handle = txFilterLogic(topo3);
  const batch = (seed: number, n: number): TransactionRow[] =>
    Array.from({ length: n }, (_, i) =>
      row(`2024-0${1 + ((i + seed) % 9)}-1${i % 10} ${String((i * seed) % 24).padStart(2, '0')}:30:00`, {
        storeId: (i * seed) % 7,
        userId: (i * 31 + seed) % 50,
        finalAmountCents: 7000 + i * 3,
      }),
    );
  const a = msg(batch(3, 400), 'transactions:a');
  const b = msg(batch(5, 150), 'transactions:b');
  // A Q1 row without its id: throws after counting Q4 pairs of the rows before it.
  const good = encodeRows(
    'transactions',
    [0, 1, 2].map((i) => row('2025-03-03 10:00:00', { transactionId: uuidOf(i), userId: 900 + i, finalAmountCents: i === 2 ? 9000 : 100 })),
  );
  const bits = good.length - 1 - 16;
  const forged = Buffer.from(good.subarray(0, bits + 1));
  forged[bits] &= ~(1 << 2);
  assert.deepEqual(handle(a), filterTransactions(a, topo3));
  assert.throws(() => handle({ ...msg([]), body: forged }), /transaction_id missing/);
  const out = handle(b);
  assert.deepEqual(out, filterTransactions(b, topo3));
  assert.ok(
    decode(out).q4.every(([, user]) => user < 50),
    'nothing left over from the batch that threw',
  );
});
