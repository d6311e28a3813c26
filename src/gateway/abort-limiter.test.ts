import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AbortLimiter } from './abort-limiter.js';

test('past max aborts within the window a source is blocked until the window moves on; others are not', () => {
  const l = new AbortLimiter(3, 1000);
  l.record('10.0.0.1', 0);
  l.record('10.0.0.1', 100);
  assert.equal(l.blockedFor('10.0.0.1', 200), 0);
  l.record('10.0.0.1', 200);
  assert.equal(l.blockedFor('10.0.0.1', 300), 700);
  assert.equal(l.blockedFor('10.0.0.2', 300), 0);
  assert.equal(l.blockedFor('10.0.0.1', 1001), 0, 'the oldest abort left the window');
});

test('memory is bounded in sources and in timestamps per source', () => {
  const l = new AbortLimiter(2, 60_000, 100);
  for (let i = 0; i < 1000; i++) l.record(`10.0.${i >> 8}.${i & 255}`, i);
  assert.equal(l.sources, 100);
  for (let i = 0; i < 1000; i++) l.record('10.9.9.9', 2000 + i);
  assert.ok(l.blockedFor('10.9.9.9', 3000) > 0);
});
