import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DEFAULT_METRICS_CADENCE as C, markMetricsWatched, metricsDue, metricsWatchFile } from './metrics.js';

test('metrics cadence: every second while a reader marked the folder recently, every 10 s otherwise', () => {
  const t0 = 1_000_000;
  assert.equal(metricsDue(t0, undefined, undefined, C), true, 'the first write is at once');
  // Nobody reads: not after 1 s, nor 9 s; after 10 s.
  assert.equal(metricsDue(t0 + 1000, t0, undefined, C), false);
  assert.equal(metricsDue(t0 + 9000, t0, undefined, C), false);
  assert.equal(metricsDue(t0 + 10_000, t0, undefined, C), true);
  // A reader marked it 5 s ago: every second again (a timer tick a little early still counts).
  assert.equal(metricsDue(t0 + 1000, t0, t0 - 5000, C), true);
  assert.equal(metricsDue(t0 + 980, t0, t0 - 5000, C), true);
  assert.equal(metricsDue(t0 + 500, t0, t0 - 5000, C), false);
  // A mark older than watchedForMs no longer counts.
  assert.equal(metricsDue(t0 + 1000, t0, t0 - C.watchedForMs - 1, C), false);
  // Idle writes stay within the dashboard's staleness limit (15 s), so a first read sees every node.
  assert.ok(C.idleEveryMs < 15_000);
});

test('markMetricsWatched creates the mark, then refreshes its time; a missing run dir is no error', (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'metrics-test-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  markMetricsWatched(dir);
  const first = statSync(metricsWatchFile(dir)).mtimeMs;
  assert.ok(Math.abs(Date.now() - first) < 5000);
  markMetricsWatched(dir);
  // The refresh sets a millisecond time (a Date, through seconds as a double); the creation got
  // the kernel's, with nanoseconds: in the same millisecond the refresh reads up to 1 ms earlier.
  assert.ok(statSync(metricsWatchFile(dir)).mtimeMs > first - 1);
  // A mark from an hour ago is brought back to now.
  const hourAgo = new Date(Date.now() - 3_600_000);
  utimesSync(metricsWatchFile(dir), hourAgo, hourAgo);
  markMetricsWatched(dir);
  assert.ok(Math.abs(Date.now() - statSync(metricsWatchFile(dir)).mtimeMs) < 5000, 'refreshed to now');
  markMetricsWatched(path.join(dir, 'missing', '\0bad'));
});
