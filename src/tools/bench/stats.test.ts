import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { aggregateByKind, readStatsDir, staleIds, waitFreshStats, type NodeStats } from './stats.js';

const s = (id: string, kind: string, pid: number, rssMb: number, cpuMs: number, at = 1000, diskMb = 0): NodeStats => ({
  id,
  kind,
  pid,
  maxRssBytes: rssMb * 1e6,
  cpuUserMs: cpuMs * 0.75,
  cpuSystemMs: cpuMs * 0.25,
  diskWriteBytes: diskMb * 1e6,
  at,
});
const byId = (...xs: NodeStats[]): Map<string, NodeStats> => new Map(xs.map((x) => [x.id, x]));

test('aggregateByKind: max RSS over replicas, CPU spent between the samples summed', () => {
  const before = byId(
    s('q2-agg-0', 'q2-agg', 10, 50, 1000, 1000, 5),
    s('q2-agg-1', 'q2-agg', 11, 60, 2000, 1000, 1),
    s('gateway-0', 'gateway', 12, 70, 500),
  );
  const after = byId(
    s('q2-agg-0', 'q2-agg', 10, 90, 3000, 1000, 8),
    s('q2-agg-1', 'q2-agg', 11, 80, 2500, 1000, 3),
    s('gateway-0', 'gateway', 12, 100, 4500),
  );
  assert.deepEqual(aggregateByKind(before, after), [
    { kind: 'gateway', replicas: 1, maxRssBytes: 100e6, sumRssBytes: 100e6, cpuSeconds: 4, diskWriteBytes: 0 },
    { kind: 'q2-agg', replicas: 2, maxRssBytes: 90e6, sumRssBytes: 170e6, cpuSeconds: 2.5, diskWriteBytes: 5e6 },
  ]);
});

test('aggregateByKind: a restarted node (new pid) or one without a first sample counts its whole life', () => {
  const before = byId(s('tx-filter-0', 'tx-filter', 10, 50, 9000));
  const after = byId(s('tx-filter-0', 'tx-filter', 99, 40, 1500), s('tx-filter-1', 'tx-filter', 12, 45, 700));
  const [k] = aggregateByKind(before, after);
  assert.equal(k?.cpuSeconds, 2.2);
  assert.equal(k?.maxRssBytes, 45e6);
});

test('staleIds: missing and old samples are stale', () => {
  const stats = byId(s('a-0', 'a', 1, 1, 1, 500), s('b-0', 'b', 2, 1, 1, 2000));
  assert.deepEqual(staleIds(stats, ['a-0', 'b-0', 'c-0'], 1000), ['a-0', 'c-0']);
});

test('readStatsDir skips foreign files; waitFreshStats returns once every sample is fresh', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-stats-'));
  try {
    writeFileSync(path.join(dir, 'junk.json'), '{"not":"stats"}');
    writeFileSync(path.join(dir, 'half.json'), '{"id":');
    writeFileSync(path.join(dir, 'x.json.123.tmp'), 'partial');
    writeFileSync(path.join(dir, 'a-0.json'), JSON.stringify(s('a-0', 'a', 1, 1, 1, 100)));
    assert.deepEqual([...readStatsDir(dir).keys()], ['a-0']);

    const since = Date.now();
    const fresh = setTimeout(() => writeFileSync(path.join(dir, 'a-0.json'), JSON.stringify(s('a-0', 'a', 1, 2, 1, Date.now()))), 150);
    const res = await waitFreshStats(dir, ['a-0'], since, 5000);
    clearTimeout(fresh);
    assert.deepEqual(res.stale, []);
    assert.equal(res.stats.get('a-0')?.maxRssBytes, 2e6);

    const timedOut = await waitFreshStats(dir, ['a-0', 'b-0'], since, 200);
    assert.deepEqual(timedOut.stale, ['b-0']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
