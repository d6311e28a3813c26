import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Topology } from '../../node/middleware/topology.js';
import { ClusterConfigSchema } from '../../node/config/cluster.js';
import { BatchDecodeError } from '../../node/errors.js';
import { Q1RowsWriter, forEachQ1Row } from '../../protocol/payloads/q1-rows.js';
import { q1SortLogic } from './logic.js';

const SESSION = '5e5e5e5e-1111-4222-8333-444444444444';
const at = (partition: number) => ({ session: SESSION, partition });
const topology = new Topology(ClusterConfigSchema.parse({}));

function rowsBody(rows: Array<[string, number]>): Buffer {
  const w = new Q1RowsWriter();
  for (const [id, cents] of rows) {
    const b = Buffer.from(id, 'utf8');
    w.add(b, 0, b.length, cents);
  }
  return w.finish();
}
function decodeAll(bodies: Buffer[]): Array<[Buffer, number]> {
  const out: Array<[Buffer, number]> = [];
  for (const b of bodies) forEachQ1Row(b, (s, e, c) => out.push([Buffer.from(b.subarray(s, e)), c]));
  return out;
}
const cmp = (a: [Buffer, number], b: [Buffer, number]): number => Buffer.compare(a[0], b[0]) || a[1] - b[1];

test('finalize emits every row sorted by id bytes (then amount), in chunks, across all inputs', () => {
  const logic = q1SortLogic(topology);
  const state = logic.newState();
  const rows: Array<[string, number]> = [];
  // Enough rows for several 256 KiB chunks; ids in pseudo-random order, some non-ASCII.
  let x = 12345;
  for (let i = 0; i < 12_000; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    rows.push([`${(x % 100_000).toString(36)}-${'abcdefghijklmnop'.slice(0, x % 17)}-${i}-padding`, 7500 + (x % 10_000)]);
  }
  // UTF-8 byte order differs from JS string order here: U+FF01 (EF BC 81) < U+1F600 (F0 9F 98 80).
  rows.push(['\u{1F600}', 9000], ['\uFF01', 9000], ['dup', 8000], ['dup', 7600]);
  // Ids shorter than the 6-byte sort key, NUL bytes (padding must order like the bytes), prefixes of each other.
  rows.push(
    ['a', 7500],
    ['a\0', 7500],
    ['a\0\0\0\0\0b', 7500],
    ['a\0\0\0\0\0', 7500],
    ['ab', 7500],
    ['\0', 7500],
    ['abcdef', 1],
    ['abcdefg', 0],
  );
  for (let m = 0; m < 4; m++)
    logic.apply(state, { type: 'q1-rows', id: `transactions:${m}>q1-sort.1`, body: rowsBody(rows.filter((_, i) => i % 4 === m)) }, at(1));
  logic.apply(state, { type: 'data', id: 'ignored', body: Buffer.from('x') }, at(1)); // other types ignored

  const emits = logic.finalize(state, { session: SESSION, partition: 1 });
  assert.ok(emits.length >= 2, `expected several chunks, got ${emits.length}`);
  emits.forEach((e, k) => {
    assert.equal(e.stage, 'results');
    assert.equal(e.type, 'result');
    assert.equal(e.queue, topology.resultsQueue(SESSION));
    assert.equal(e.id, `r:q1.1.${k}`);
    assert.deepEqual(e.headers, { q: 'q1', p: 1, k });
    assert.ok(e.body.length <= 256 * 1024 + 300);
  });
  const got = decodeAll(emits.map((e) => e.body));
  const expected = rows.map(([id, c]): [Buffer, number] => [Buffer.from(id, 'utf8'), c]).sort(cmp);
  assert.equal(got.length, expected.length);
  assert.deepEqual(got, expected);
  const ids = got.map(([id]) => id.toString('utf8'));
  assert.ok(ids.indexOf('\uFF01') < ids.indexOf('\u{1F600}'));
  assert.deepEqual(
    got.filter(([id]) => id.toString() === 'dup').map(([, c]) => c),
    [7600, 8000],
  );
  // Idempotent: a second EOS yields the same messages.
  assert.deepEqual(logic.finalize(state, { session: SESSION, partition: 1 }), emits);
});

test('an empty partition still emits one (empty) chunk so the client knows it is done', () => {
  const logic = q1SortLogic(topology);
  const emits = logic.finalize(logic.newState(), { session: SESSION, partition: 0 });
  assert.equal(emits.length, 1);
  assert.equal(emits[0].id, 'r:q1.0.0');
  assert.equal(emits[0].body.length, 0);
});

test('a truncated q1-rows body is rejected and not kept', () => {
  const logic = q1SortLogic(topology);
  const state = logic.newState();
  const good = rowsBody([['a', 8000]]);
  assert.throws(() => logic.apply(state, { type: 'q1-rows', id: 'x', body: good.subarray(0, good.length - 1) }, at(1)), BatchDecodeError);
  assert.equal(state.chunks.length, 0);
  logic.apply(state, { type: 'q1-rows', id: 'y', body: good }, at(1));
  assert.deepEqual(decodeAll(logic.finalize(state, { session: SESSION, partition: 0 }).map((e) => e.body)), [[Buffer.from('a'), 8000]]);
});

test('usage: rows kept, for the q1_rows quota (a repeated body counts again: the runtime dedups by id)', () => {
  const logic = q1SortLogic(topology);
  const state = logic.newState();
  assert.deepEqual(logic.usage(state), { keys: 0, referenceKeys: 0 });
  logic.apply(
    state,
    {
      type: 'q1-rows',
      id: 'a',
      body: rowsBody([
        ['x', 7500],
        ['y', 8000],
        ['z', 9000],
      ]),
    },
    at(0),
  );
  logic.apply(state, { type: 'q1-rows', id: 'b', body: rowsBody([['w', 7500]]) }, at(0));
  assert.deepEqual(logic.usage(state), { keys: 4, referenceKeys: 0 });
});
