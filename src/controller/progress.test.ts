import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SessionProgress } from './progress.js';
import type { WorkerKind } from '../node/config/cluster.js';

const two = (_: WorkerKind): number => 2;
const allTablesEnded = { stores: 1, menu_items: 1, users: 1, transactions: 2, transaction_items: 1 };

function sourceDone(p: SessionProgress): void {
  p.apply({
    stage: 'source',
    totals: allTablesEnded,
    entries: [
      ['stores:0', { 'q3-agg': 2, 'q4-top': 2 }],
      ['menu_items:0', { 'q2-agg': 2 }],
      ['users:0', { 'q4-count': 2 }],
      ['transactions:0', { 'tx-filter': 1 }],
      ['transactions:1', { 'tx-filter': 1 }],
      ['transaction_items:0', { 'item-filter': 1 }],
    ],
  });
}

test('no stage is ready before the source has ended every table', () => {
  const p = new SessionProgress(two);
  p.apply({ stage: 'source', entries: [['transactions:0', { 'tx-filter': 1 }]], totals: { transactions: 1 } });
  assert.equal(p.sourceClosed(), false);
  assert.deepEqual(p.readyForEos(), []);
  assert.equal(p.resultsReady(), null);
});

test('EOS waits for every message emitted upstream; duplicates count once', () => {
  const p = new SessionProgress(two);
  sourceDone(p);
  assert.equal(p.sourceClosed(), true);
  p.apply({ stage: 'tx-filter', entries: [['transactions:0', { 'q1-sort': 1, 'q3-agg': 1, 'q4-count': 2 }]] });
  // A redelivered input reported again must not double its emitted counts.
  p.apply({ stage: 'tx-filter', entries: [['transactions:0', { 'q1-sort': 1, 'q3-agg': 1, 'q4-count': 2 }]] });
  assert.equal(p.closed('tx-filter'), false);
  assert.deepEqual(p.readyForEos(), []);
  p.apply({ stage: 'tx-filter', entries: [['transactions:1', { 'q3-agg': 1 }]] });
  assert.equal(p.closed('tx-filter'), true);
  assert.equal(p.expectedCount('q3-agg'), 4); // 2 store broadcasts + 2 partials
  // q1-sort got its one message: ready; q3-agg has received 0 of 4: not ready.
  p.apply({ stage: 'q1-sort', entries: [['transactions:0>q1-sort.1', {}]] });
  assert.ok(p.readyForEos().includes('q1-sort'));
  assert.ok(!p.readyForEos().includes('q3-agg'));
  p.apply({
    stage: 'q3-agg',
    entries: [
      ['stores:0>q3-agg.0', {}],
      ['stores:0>q3-agg.1', {}],
      ['transactions:0>q3-agg.0', {}],
    ],
  });
  assert.ok(!p.readyForEos().includes('q3-agg'));
  p.apply({ stage: 'q3-agg', entries: [['transactions:1>q3-agg.1', {}]] });
  assert.ok(p.readyForEos().includes('q3-agg'));
});

test('results are ready once every report stage finalised on every partition', () => {
  const p = new SessionProgress(two);
  sourceDone(p);
  p.apply({
    stage: 'tx-filter',
    entries: [
      ['transactions:0', {}],
      ['transactions:1', {}],
    ],
  });
  p.apply({ stage: 'item-filter', entries: [['transaction_items:0', {}]] });
  p.apply({
    stage: 'q2-agg',
    entries: [
      ['menu_items:0>q2-agg.0', {}],
      ['menu_items:0>q2-agg.1', {}],
    ],
  });
  p.apply({
    stage: 'q3-agg',
    entries: [
      ['stores:0>q3-agg.0', {}],
      ['stores:0>q3-agg.1', {}],
    ],
  });
  p.apply({
    stage: 'q4-count',
    entries: [
      ['users:0>q4-count.0', {}],
      ['users:0>q4-count.1', {}],
    ],
  });
  for (const s of ['q1-sort', 'q2-agg', 'q3-agg'] as const)
    p.apply({
      stage: s,
      entries: [
        ['eos:0', { results: 1 }],
        ['eos:1', { results: 1 }],
      ],
    });
  // q4-count finalises, emitting one candidate message to q4-top.
  p.apply({
    stage: 'q4-count',
    entries: [
      ['eos:0', { 'q4-top': 1 }],
      ['eos:1', {}],
    ],
  });
  assert.equal(p.closed('q4-count'), true);
  assert.equal(p.readyForEos().includes('q4-top'), false, 'q4-top has not consumed the candidates nor the stores yet');
  p.apply({
    stage: 'q4-top',
    entries: [
      ['stores:0>q4-top.0', {}],
      ['stores:0>q4-top.1', {}],
      ['fin:q4-count.0>q4-top.1', {}],
    ],
  });
  assert.ok(p.readyForEos().includes('q4-top'));
  assert.equal(p.resultsReady(), null);
  p.apply({ stage: 'q4-top', entries: [['eos:0', { results: 1 }]] });
  p.apply({ stage: 'q4-top', entries: [['eos:0', { results: 1 }]] }); // duplicate finalisation report
  assert.equal(p.resultsReady(), null);
  p.apply({ stage: 'q4-top', entries: [['eos:1', { results: 1 }]] });
  assert.equal(p.resultsReady(), 8);
});
