import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeQ4Counts, forEachQ4Count } from '../../protocol/payloads/q4-counts.js';
import { StoreUserCounts } from './store-user-counts.js';

type Triple = [store: number, user: number, count: number];

const triples = (payload: Buffer): Triple[] => {
  const out: Triple[] = [];
  forEachQ4Count(payload, (s, u, c) => out.push([s, u, c]));
  return out;
};
const sorted = (t: Triple[]): Triple[] => [...t].sort((a, b) => a[0] - b[0] || a[1] - b[1]);

/** The Map model the table replaces (store → user → count). */
function model(pairs: Array<[number, number]>): Map<number, Map<number, number>> {
  const m = new Map<number, Map<number, number>>();
  for (const [store, user] of pairs) {
    let users = m.get(store);
    if (!users) m.set(store, (users = new Map<number, number>()));
    users.set(user, (users.get(user) ?? 0) + 1);
  }
  return m;
}

/** Deterministic pseudo-random numbers (xorshift32). */
function rng(seed: number): () => number {
  let x = seed;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
}

test('counts every (store, user) pair like nested Maps, across growth and batches', () => {
  const counts = new StoreUserCounts();
  const next = rng(7);
  // Stores in the direct cells, above them, and at the u32 top; users with many repeats and at 2^31 - 1.
  const stores = [0, 1, 2, 5, 1023, 1024, 70_000, 0xffffffff, ...Array.from({ length: 30 }, (_, i) => 100 + i)];
  for (const [batch, rows, userSpan] of [
    [0, 50_000, 5_000],
    [1, 3, 2],
    [2, 200_000, 1_000_000],
    [3, 0, 1],
  ] as const) {
    counts.reset();
    const pairs: Array<[number, number]> = [];
    for (let i = 0; i < rows; i++) {
      const store = stores[Math.floor(next() * stores.length)];
      const user = next() < 0.01 ? 0x7fffffff : Math.floor(next() * userSpan);
      pairs.push([store, user]);
      counts.add(store, user);
    }
    const expected = encodeQ4Counts(model(pairs));
    const got = counts.encode();
    assert.deepEqual(sorted(triples(got)), sorted(triples(expected)), `batch ${batch}`);
    assert.equal(counts.size, triples(expected).length, `batch ${batch}: distinct pairs`);
    // Same numbers, one group per store: the same varints, so the same length.
    assert.equal(got.length, expected.length, `batch ${batch}: one group per store`);
  }
});

test('a group per store, in order of first appearance, users ascending; reset forgets the last batch', () => {
  const counts = new StoreUserCounts();
  for (const [s, u] of [
    [9, 1],
    [2000, 1],
    [9, 2],
    [9, 1],
    [3, 1],
  ])
    counts.add(s, u);
  assert.deepEqual(triples(counts.encode()), [
    [9, 1, 2],
    [9, 2, 1],
    [2000, 1, 1],
    [3, 1, 1],
  ]);
  counts.reset();
  assert.equal(counts.size, 0);
  assert.equal(counts.encode().length, 0);
  counts.add(2000, 5);
  counts.add(9, 5);
  assert.deepEqual(triples(counts.encode()), [
    [2000, 5, 1],
    [9, 5, 1],
  ]);
});

test('counts right when sort passes are skipped, and with many stores: one user, one store, users sharing high or low digits', () => {
  const counts = new StoreUserCounts();
  const next = rng(11);
  const shapes: Array<[name: string, store: () => number, user: () => number]> = [
    ['one user at one store', () => 5, () => 77],
    ['one store, users below 2^11', () => 5, () => Math.floor(next() * 2048)],
    ['users that differ only above bit 21', () => [3, 4][Math.floor(next() * 2)], () => Math.floor(next() * 1024) << 21],
    ['users that differ only in bits 11..20', () => 1 + Math.floor(next() * 3), () => Math.floor(next() * 1024) << 11],
    // Many stores (direct and wide), users below 2^21 (the high digit skipped) or at the top.
    ['40 stores, users below 2^21', () => Math.floor(next() * 40), () => Math.floor(next() * (1 << 21))],
    ['90 stores, users below 2^21', () => 2000 + Math.floor(next() * 90), () => Math.floor(next() * 3000)],
    ['the largest user (2^31 - 1) among small ones', () => 1, () => (next() < 0.5 ? 0x7fffffff : Math.floor(next() * 100))],
  ];
  for (const [name, store, user] of shapes) {
    counts.reset();
    const pairs: Array<[number, number]> = [];
    for (let i = 0; i < 5_000; i++) {
      const pair: [number, number] = [store(), user()];
      pairs.push(pair);
      counts.add(...pair);
    }
    const expected = encodeQ4Counts(model(pairs));
    assert.deepEqual(sorted(triples(counts.encode())), sorted(triples(expected)), name);
    assert.equal(counts.size, triples(expected).length, name);
  }
});
