import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseKinds, runChaos, seededRandom, selectVictims, type ChaosNode } from './chaos.js';
import type { ClusterConfig } from '../../node/config/cluster.js';

const nodes: ChaosNode[] = [
  { id: 'egg-of-life-0', kind: 'egg-of-life', pid: 10 },
  { id: 'egg-of-life-1', kind: 'egg-of-life', pid: 11 },
  { id: 'gateway-0', kind: 'gateway', pid: 20 },
  { id: 'tx-filter-0', kind: 'tx-filter', pid: 30 },
  { id: 'tx-filter-1', kind: 'tx-filter', pid: 31 },
  { id: 'q4-top-0', kind: 'q4-top', pid: 40 },
];

test('selection: --only and --except filter by kind', () => {
  const r = seededRandom(1);
  for (let i = 0; i < 50; i++) {
    const only = selectVictims(nodes, 2, { only: ['tx-filter', 'gateway'] }, r);
    assert.equal(only.length, 2);
    for (const v of only) assert.ok(['tx-filter', 'gateway'].includes(v.kind));
    const except = selectVictims(nodes, 3, { except: ['egg-of-life', 'tx-filter'] }, r);
    assert.deepEqual(except.map((v) => v.id).sort(), ['gateway-0', 'q4-top-0']);
  }
});

test('selection: N larger than the candidates kills each candidate once; no candidates, nobody', () => {
  const v = selectVictims(nodes, 100, { only: ['tx-filter'] }, seededRandom(7));
  assert.deepEqual(v.map((x) => x.id).sort(), ['tx-filter-0', 'tx-filter-1']);
  assert.deepEqual(selectVictims(nodes, 3, { only: ['controller'] }, seededRandom(7)), []);
  assert.deepEqual(selectVictims([], 3, {}, seededRandom(7)), []);
});

test('selection: the last live Egg of Life is spared unless asked otherwise', () => {
  const eggs = selectVictims(nodes, 5, { only: ['egg-of-life'] }, seededRandom(3));
  assert.equal(eggs.length, 1);
  assert.equal(selectVictims(nodes, 5, { only: ['egg-of-life'], spareLastEgg: false }, seededRandom(3)).length, 2);
});

test('selection: a seeded random gives the same picks, and every candidate gets picked over time', () => {
  const picks = (seed: number): string[] => {
    const r = seededRandom(seed);
    return Array.from({ length: 20 }, () => selectVictims(nodes, 1, {}, r)[0].id);
  };
  assert.deepEqual(picks(42), picks(42));
  assert.notDeepEqual(picks(42), picks(43));
  const r = seededRandom(9);
  const hit = new Set<string>();
  for (let i = 0; i < 200; i++) hit.add(selectVictims(nodes, 1, {}, r)[0].id);
  assert.equal(hit.size, nodes.length);
});

test('parseKinds: unknown kinds are a usage error', () => {
  assert.deepEqual(parseKinds('gateway, tx-filter', '--only'), ['gateway', 'tx-filter']);
  assert.equal(parseKinds(undefined, '--only'), undefined);
  assert.throws(() => parseKinds('gateway,rabbitmq', '--except'), /unknown node kind 'rabbitmq'/);
});

test('runChaos: stops at --duration and at abort; never signals a pid that is not the node (pid reuse guard)', async () => {
  // Fake nodes whose pids are not theirs (our own pid runs `node --test`, not `tx-filter --index 0`).
  const fake = [{ id: 'tx-filter-0', kind: 'tx-filter' as const, pid: process.pid }];
  const kills = await runChaos({ cluster: {} as ClusterConfig, intervalMs: 20, durationMs: 100, listNodes: () => fake });
  assert.deepEqual(kills, []);
  const ac = new AbortController();
  let rounds = 0;
  const p = runChaos({
    cluster: {} as ClusterConfig,
    intervalMs: 10,
    signal: ac.signal,
    listNodes: () => {
      if (++rounds === 3) ac.abort();
      return [];
    },
  });
  assert.deepEqual(await p, []);
  assert.equal(rounds, 3);
});
