import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadCachedBundle, writeCache } from './code-cache.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'code-cache-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

const file = path.join(dir, 'b.cjs');
writeFileSync(file, "exports.twice = (n) => n * 2; exports.dir = __dirname; exports.path = require('node:path').sep;\n");

test('a bundle runs as CommonJS without a cache, and the cache it writes is accepted next time', () => {
  const cache = path.join(dir, 'b.cjs.cache');
  const first = loadCachedBundle(file, cache);
  assert.equal(first.cacheRejected, undefined);
  assert.equal((first.exports.twice as (n: number) => number)(21), 42);
  assert.equal(first.exports.dir, dir);
  assert.equal(first.exports.path, path.sep);
  writeCache(cache, first.createCache());
  const second = loadCachedBundle(file, cache);
  assert.equal(second.cacheRejected, false);
  assert.equal((second.exports.twice as (n: number) => number)(4), 8);
});

test('a cache V8 refuses only costs the compile: the bundle still runs', () => {
  // Another source: V8 would reuse this process's own compile of the first one.
  const other = path.join(dir, 'other.cjs');
  writeFileSync(other, 'exports.twice = (n) => n + n;\n');
  const cache = path.join(dir, 'garbage.cache');
  writeFileSync(cache, Buffer.from('not a code cache'));
  const b = loadCachedBundle(other, cache);
  assert.equal(b.cacheRejected, true);
  assert.equal((b.exports.twice as (n: number) => number)(1), 2);
});
