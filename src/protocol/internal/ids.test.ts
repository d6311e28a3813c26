import { test } from 'node:test';
import assert from 'node:assert/strict';
import { eosEntryId, eosEntryPartition, finalId, parseRoutedId, routedId, sourceId, sourceSeq } from './ids.js';

test('a routed source id parses back to its origin, stage, partition and batch seq', () => {
  const origin = sourceId('transactions', 42);
  assert.equal(origin, 'transactions:42');
  const id = routedId(origin, 'q4-count', 3);
  assert.equal(id, 'transactions:42>q4-count.3');
  assert.deepEqual(parseRoutedId(id), { origin, stage: 'q4-count', partition: 3 });
  assert.equal(sourceSeq(id), 42);
  assert.equal(sourceSeq(origin), 42);
  assert.equal(sourceSeq(sourceId('transaction_items', 0)), 0);
});

test('a routed end-of-stream output parses back; it comes from no batch, so it ranks last', () => {
  const id = routedId(finalId('q4-count', 1), 'q4-top', 0);
  assert.equal(id, 'fin:q4-count.1>q4-top.0');
  assert.deepEqual(parseRoutedId(id), { origin: 'fin:q4-count.1', stage: 'q4-top', partition: 0 });
  assert.equal(sourceSeq(id), Number.MAX_SAFE_INTEGER);
});

test('ids that were not routed do not parse as routed', () => {
  assert.equal(parseRoutedId('transactions:1'), null);
  assert.equal(parseRoutedId('a>b'), null);
  assert.equal(parseRoutedId('a>b.x'), null);
});

test('eos counter entries round-trip; other ids are not eos entries', () => {
  for (const p of [0, 1, 17]) assert.equal(eosEntryPartition(eosEntryId(p)), p);
  assert.equal(eosEntryPartition('transactions:3>q3-agg.0'), null);
  assert.equal(eosEntryId(2), 'eos:2');
});
