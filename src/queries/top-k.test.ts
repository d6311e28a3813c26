import { test } from 'node:test';
import assert from 'node:assert/strict';
import { topK } from './top-k.js';

test('topK orders by count desc then id asc, and breaks ties at the cut by id', () => {
  const entries: Array<[number, number]> = [
    [5, 2],
    [3, 7],
    [9, 7],
    [1, 2],
    [4, 2],
    [8, 1],
  ];
  assert.deepEqual(topK(entries, 3), [
    [3, 7],
    [9, 7],
    [1, 2],
  ]);
  assert.deepEqual(topK(entries, 10).length, 6);
  assert.deepEqual(topK([], 3), []);
});

test('topK matches a full sort on random input', () => {
  let seed = 7;
  const rnd = (n: number): number => (seed = (seed * 1103515245 + 12345) % 2147483648) % n;
  for (let round = 0; round < 50; round++) {
    const m = new Map<number, number>();
    for (let i = 0; i < 40; i++) m.set(rnd(60), rnd(5));
    const expected = [...m].sort((a, b) => b[1] - a[1] || a[0] - b[0]).slice(0, 3);
    assert.deepEqual(topK(m, 3), expected);
  }
});
