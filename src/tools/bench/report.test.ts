import { test } from 'node:test';
import assert from 'node:assert/strict';
import { costModel } from './cost-model.js';
import { formatResult, rate, type BenchResult } from './report.js';

const result: BenchResult = {
  version: 1,
  startedAt: '2025-01-01T00:00:00.000Z',
  machine: { cpus: 2, node: 'v20', loadBefore: [1, 2, 3], loadAfter: [1.5, 2, 3] },
  params: { scale: 0.1, clients: 2, seed: 1 },
  datasets: [
    { seed: 1, dir: '/d1', bytes: 100e6, rows: 1_000_000, generated: false },
    { seed: 2, dir: '/d2', bytes: 100e6, rows: 1_000_000, generated: true },
  ],
  clients: [
    {
      index: 1,
      seed: 1,
      session: 's1',
      seconds: 20,
      rows: 1_000_000,
      inputBytes: 100e6,
      rejected: 0,
      mbPerSec: 5,
      rowsPerSec: 50_000,
      referenceSeconds: 4,
      ratio: 5,
      matchesReference: true,
    },
    {
      index: 2,
      seed: 2,
      session: 's2',
      seconds: 24,
      rows: 1_000_000,
      inputBytes: 100e6,
      rejected: 0,
      mbPerSec: 100 / 24,
      rowsPerSec: 1e6 / 24,
      referenceSeconds: 4,
      ratio: 6,
      matchesReference: true,
    },
  ],
  wallSeconds: 24,
  throughput: { inputBytes: 200e6, rows: 2_000_000, mbPerSec: 200 / 24, rowsPerSec: 2e6 / 24 },
  reference: [
    { seed: 1, seconds: 4, wallSeconds: 4.1, maxRssBytes: 150e6, cpuSeconds: 4, mbPerSec: 25, rowsPerSec: 250_000 },
    { seed: 2, seconds: 4, wallSeconds: 4.1, maxRssBytes: 160e6, cpuSeconds: 4, mbPerSec: 25, rowsPerSec: 250_000 },
  ],
  ratioToReference: 3,
  scaling: { singleClientSeconds: 16, from: 'bench-results/bench-0.1-1.json', wallOverSingle: 1.5 },
  nodes: [{ kind: 'gateway', replicas: 2, maxRssBytes: 120e6, sumRssBytes: 230e6, cpuSeconds: 7.5, diskWriteBytes: 0 }],
  nodeTotals: { cpuSeconds: 7.5, sumPeakRssBytes: 230e6 },
  staleStats: [],
  client: { maxRssBytes: 90e6, cpuSeconds: 6 },
};

test('formatResult prints every headline figure', () => {
  const text = formatResult(result);
  assert.match(text, /scale 0\.1, 2 dataset\(s\), 200\.0 MB, 2,000,000 rows \(seeds 1, 2\)/);
  assert.match(text, /client 1 +20\.00 s +5\.0 MB\/s +50,000 rows\/s +reference 4\.00 s +ratio 5\.0x +reports match/);
  assert.match(text, /wall +24\.00 s +8\.3 MB\/s +83,333 rows\/s/);
  assert.match(text, /reference +8\.00 s +25\.0 MB\/s +250,000 rows\/s +\(single process, peak RSS 160\.0 MB\)/);
  assert.match(text, /ratio +3\.00x end-to-end wall \/ reference\n/);
  assert.match(text, /duckdb +not run/);
  assert.match(text, /peak RSS +pipeline: client 90\.0 MB, largest node 120\.0 MB \(gateway\); reference 160\.0 MB\n/);
  assert.match(text, /scaling +1\.50x 2-client wall \/ one client \(16\.00 s/);
  assert.match(text, /gateway +2 +120\.0 +7\.50/);
  assert.match(text, /client\(s\) +2 +90\.0 +6\.00/);
  assert.doesNotMatch(text, /no fresh stats/);
  assert.match(formatResult({ ...result, scaling: null, staleStats: ['q2-agg-1'] }), /no fresh stats from q2-agg-1/);
});

test('formatResult prints DuckDB, both ratios and the cost model when present', () => {
  const text = formatResult({
    ...result,
    duckdb: [
      { seed: 1, seconds: 3, wallSeconds: 3.2, maxRssBytes: 500e6, cpuSeconds: 5, threads: 2, matchesReference: true },
      { seed: 2, seconds: 5, wallSeconds: 5.2, maxRssBytes: 700e6, cpuSeconds: 7, threads: 2, matchesReference: true },
    ],
    ratioToDuckdb: 3,
    costModel: costModel(
      { inputBytes: 200e6, clients: 2, stages: [{ stage: 'client', kind: 'per-client', cpuSeconds: 6, replicas: 2 }] },
      [2, 4],
    ),
  });
  assert.match(text, /duckdb +8\.00 s +25\.0 MB\/s +250,000 rows\/s +\(2 threads, peak RSS 700\.0 MB, CPU 12\.00 s\) +reports match/);
  assert.match(text, /ratio +3\.00x end-to-end wall \/ reference, 3\.00x end-to-end wall \/ DuckDB/);
  assert.match(text, /; DuckDB 700\.0 MB\n/);
  assert.match(text, /client +per-client +6\.00 +30\.0/);
  assert.match(text, /2 cores: +3\.00 s, bound by total CPU \/ cores \(measured here: 24\.00 s\)/);
});

test('rate is 0 for a zero duration instead of Infinity', () => {
  assert.equal(rate(10, 0), 0);
  assert.equal(rate(10, 4), 2.5);
});
