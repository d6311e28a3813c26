import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { InMessage } from '../../node/middleware/broker.js';
import { Topology } from '../../node/middleware/topology.js';
import { ClusterConfigSchema } from '../../node/config/cluster.js';
import { encodeRows, type TransactionItemRow } from '../../testing/batch-rows.js';
import { epochFromCivil } from '../../queries/civil-time.js';
import { BatchDecodeError } from '../../node/errors.js';
import { decodeTuples, type Q2Partial } from '../../protocol/payloads/json.js';
import { filterItems } from './logic.js';

const SESSION = '5e5e5e5e-1111-4222-8333-444444444444';
const topo2 = new Topology(ClusterConfigSchema.parse({}));
const topo3 = new Topology(ClusterConfigSchema.parse({ replicas: { 'q2-agg': 3 } }));

function msg(rows: TransactionItemRow[], id = 'transaction_items:3'): InMessage {
  return { type: 'data', id, session: SESSION, headers: {}, body: encodeRows('transaction_items', rows), redelivered: false };
}
const at = (y: number, mo: number, d: number, h = 12, mi = 0, s = 0): number => epochFromCivil(y, mo, d, h, mi, s);
const item = (createdAt: number, itemId = 1, quantity = 1, subtotalCents = 100): TransactionItemRow => ({
  itemId,
  quantity,
  subtotalCents,
  createdAt,
});
function rowsOf(out: ReturnType<typeof filterItems>): Array<[...Q2Partial, number]> {
  return out.flatMap((e) =>
    decodeTuples<Q2Partial>(e.body, 4, 'q2').map((r): [...Q2Partial, number] => [
      ...r,
      Number(e.queue.slice(e.queue.lastIndexOf('.') + 1)),
    ]),
  );
}

test('only 2024–2025 items count; boundaries inclusive of 2024-01-01 00:00:00 and 2025-12-31 23:59:59; no hour window', () => {
  const out = filterItems(
    msg([
      item(at(2023, 12, 31, 23, 59, 59), 1),
      item(at(2024, 1, 1, 0, 0, 0), 2),
      item(at(2025, 12, 31, 23, 59, 59), 3),
      item(at(2026, 1, 1, 0, 0, 0), 4),
      item(at(2024, 3, 3, 2, 0, 0), 5), // 02:00: Q2 has no hour filter
    ]),
    topo2,
  );
  assert.deepEqual(
    rowsOf(out)
      .map(([mk, it]) => [mk, it])
      .sort(),
    [
      [202401, 2],
      [202403, 5],
      [202512, 3],
    ],
  );
});

test('sums quantity and subtotal per (month, item)', () => {
  const out = filterItems(
    msg([
      item(at(2024, 5, 1), 7, 2, 500),
      item(at(2024, 5, 31, 23, 59, 59), 7, 3, 750),
      item(at(2024, 6, 1, 0, 0, 0), 7, 1, 250),
      item(at(2024, 5, 10), 8, 4, 1000),
    ]),
    topo2,
  );
  assert.deepEqual(
    rowsOf(out)
      .map(([mk, it, q, c]) => [mk, it, q, c])
      .sort(),
    [
      [202405, 7, 5, 1250],
      [202405, 8, 4, 1000],
      [202406, 7, 1, 250],
    ],
  );
});

test('routing by month % P, one message per non-empty partition, id <input>>q2-agg.<p>', () => {
  const rows: TransactionItemRow[] = [];
  for (let y = 2024; y <= 2025; y++) for (let m = 1; m <= 12; m++) rows.push(item(at(y, m, 15), m));
  const out = filterItems(msg(rows, 'transaction_items:9'), topo3);
  assert.equal(out.length, 3);
  for (const e of out) {
    const p = Number(e.queue.slice(e.queue.lastIndexOf('.') + 1));
    assert.equal(e.stage, 'q2-agg');
    assert.equal(e.type, 'q2-partial');
    assert.equal(e.queue, topo3.stageQueue('q2-agg', p));
    assert.equal(e.id, `transaction_items:9>q2-agg.${p}`);
    assert.equal(e.session, SESSION);
  }
  const decoded = rowsOf(out);
  assert.equal(decoded.length, 24);
  for (const [mk, , , , p] of decoded) assert.equal(mk % 3, p);
  // A single month: a single message, to its partition only.
  const one = filterItems(msg([item(at(2024, 2, 2))]), topo3);
  assert.deepEqual(
    one.map((e) => e.id),
    [`transaction_items:3>q2-agg.${202402 % 3}`],
  );
  assert.deepEqual(filterItems(msg([item(at(2022, 2, 2))]), topo3), []);
  assert.deepEqual(filterItems(msg([]), topo3), []);
});

test('deterministic, and other tables are rejected', () => {
  const rows: TransactionItemRow[] = [];
  for (let i = 0; i < 300; i++) rows.push(item(at(2024 + (i % 2), 1 + (i % 12), 1 + (i % 28)), i % 9, 1 + (i % 4), 50 * i));
  assert.deepEqual(filterItems(msg(rows), topo3), filterItems(msg(rows), topo3));
  assert.throws(() => filterItems({ ...msg([]), body: encodeRows('menu_items', [{ itemId: 1, itemName: 'x' }]) }, topo2), BatchDecodeError);
});
