import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ClusterEvent } from '../node/cluster-events.js';
import { countRestarts, cpuPercent, currentLeader, deriveNodeState, mergeSessions, rate, timeline, type ProcessSample } from './state.js';

const proc = (over: Partial<ProcessSample> = {}): ProcessSample => ({
  pid: 10,
  state: 'S',
  cpuSeconds: 1,
  rssBytes: 1 << 20,
  uptimeSeconds: 60,
  ...over,
});

test('node state: alive, frozen (stopped or silent), restarting, down', () => {
  assert.equal(deriveNodeState(proc(), 500, 3), 'alive');
  assert.equal(deriveNodeState(proc(), undefined, 3), 'alive', 'no stats yet: a node still booting');
  assert.equal(deriveNodeState(proc({ state: 'T' }), 500, 3), 'frozen', 'SIGSTOPped');
  assert.equal(deriveNodeState(proc(), 9000, 3), 'frozen', 'alive but its timers do not run');
  assert.equal(deriveNodeState(proc({ uptimeSeconds: 2 }), 9000, 3), 'alive', 'too young to be silent');
  assert.equal(deriveNodeState(undefined, undefined, 2), 'restarting');
  assert.equal(deriveNodeState(undefined, undefined, 0), 'down', 'no Egg of Life to restart it');
});

test('cpu percent: between two samples of the same process only', () => {
  assert.equal(cpuPercent(proc({ cpuSeconds: 1 }), proc({ cpuSeconds: 1.5 }), 1000), 50);
  assert.equal(cpuPercent(proc({ pid: 9 }), proc(), 1000), null, 'a restarted node: another process');
  assert.equal(cpuPercent(undefined, proc(), 1000), null);
});

const events: ClusterEvent[] = [
  { type: 'leader', at: 1, id: 'egg-of-life-2' },
  { type: 'kill', at: 2, id: 'q2-agg-0', pid: 100, by: 'chaos' },
  { type: 'dead', at: 3, id: 'q2-agg-0', silentMs: 1200, by: 'egg-of-life-2' },
  { type: 'restart', at: 4, id: 'q2-agg-0', oldPids: [], pid: 101, silentMs: 1300, by: 'egg-of-life-2' },
  { type: 'restart', at: 5, id: 'q2-agg-0', oldPids: [101], pid: 102, silentMs: 2000, by: 'egg-of-life-2' },
  { type: 'leader', at: 6, id: 'egg-of-life-1' },
];

test('restarts per node and the current leader (the last announced, if alive)', () => {
  assert.deepEqual([...countRestarts(events)], [['q2-agg-0', 2]]);
  assert.equal(
    currentLeader(events, () => true),
    'egg-of-life-1',
  );
  assert.equal(
    currentLeader(events, (id) => id !== 'egg-of-life-1'),
    null,
    'a dead leader is no leader',
  );
  assert.equal(
    currentLeader([], () => true),
    null,
  );
});

test('timeline: newest first, limited, in words', () => {
  const t = timeline(events, 3);
  assert.deepEqual(
    t.map((e) => e.at),
    [6, 5, 4],
  );
  assert.equal(t[1].text, 'q2-agg-0 restarted as pid 102 by egg-of-life-2 (killed 101)');
  assert.equal(timeline(events)[4].text, 'q2-agg-0 killed (pid 100) by chaos');
});

test('sessions: controllers joined with gateway rows; rows/s from the previous view', () => {
  const stages = { source: { received: 5, expected: 20, closed: false, waitingFor: 'batches from the client' } };
  const controllers = [{ controller: 'controller-1', sessions: [{ id: 's1', complete: false, stages }] }];
  const first = mergeSessions(controllers, [{ gateway: 'gateway-0', rows: { s1: 1000, gone: 5 } }], new Map(), 0);
  assert.equal(first.length, 1);
  assert.equal(first[0].rows, 1000);
  assert.equal(first[0].rowsPerSecond, null);
  assert.equal(first[0].sourceProgress, 0.25);
  const second = mergeSessions(
    controllers,
    [
      { gateway: 'gateway-0', rows: { s1: 1500 } },
      { gateway: 'gateway-1', rows: { s1: 500 } }, // resumed on another gateway
    ],
    new Map([['s1', first[0]]]),
    2000,
  );
  assert.equal(second[0].rows, 2000);
  assert.equal(second[0].rowsPerSecond, 500);
});

test('rate: per second, none without a previous reading or after a counter reset', () => {
  assert.equal(rate(10, 30, 2000), 10);
  assert.equal(rate(undefined, 30, 2000), null);
  assert.equal(rate(50, 30, 2000), null);
});
