import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { eggPorts } from '../node/config/cluster.js';
import { decodeHeartbeat } from '../node/heartbeat/message.js';
import { ReplayGuard } from '../node/heartbeat/auth.js';
import { startLocalCluster, type LocalCluster } from '../tools/cluster/local-cluster.js';
import { buildNodeSpecs, type NodeSpec } from './restart/node-spec.js';
import { isAlive, liveNodes, waitFor } from '../node/processes.js';
import { freePortBlock } from '../testing/ports.js';

/**
 * Real processes: 3 Egg of Life replicas + 2 dummy nodes, own run dir and ports. The test
 * listens for heartbeats itself (the cluster config declares a 4th egg slot whose UDP port is
 * ours; the eggs are told their 3 election peers explicitly, so the slot never takes part).
 */
const DUMMY = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'testing', 'fixtures', 'dummy-node.js');
const BASE = await freePortBlock(40);
const tmp = mkdtempSync(path.join(os.tmpdir(), 'egg-fault-'));
const configFile = path.join(tmp, 'cluster.yaml');
// The test reads the heartbeats itself, so it holds the cluster secret too.
const secret = Buffer.from('0123456789abcdef'.repeat(4));
writeFileSync(path.join(tmp, 'cluster.secret'), secret, { mode: 0o600 });
writeFileSync(
  configFile,
  [
    `name: eggfault`,
    `run_dir: ${JSON.stringify(path.join(tmp, 'run'))}`,
    `replicas:`,
    `  egg-of-life: 4`,
    `ports:`,
    `  heartbeat: ${BASE}`,
    `  election: ${BASE + 20}`,
    `  gateway: ${BASE + 30}`,
    `security:`,
    `  secret_file: ${JSON.stringify(path.join(tmp, 'cluster.secret'))}`,
    '',
  ].join('\n'),
);

let cluster: LocalCluster;
const observer = dgram.createSocket('udp4');
const guard = new ReplayGuard(10_000);
/** id → pid → first heartbeat time (performance.now()). */
const seen = new Map<string, Map<number, number>>();
observer.on('message', (buf) => {
  const hb = decodeHeartbeat(secret, buf, guard);
  if (!hb) return;
  const pids = seen.get(hb.id) ?? new Map<number, number>();
  if (!pids.has(hb.pid)) pids.set(hb.pid, performance.now());
  seen.set(hb.id, pids);
});

function latestPid(id: string): number | undefined {
  const pids = seen.get(id);
  if (!pids) return undefined;
  return [...pids].sort((a, b) => b[1] - a[1])[0][0];
}

/** Waits for a heartbeat of `id` from a pid other than `old`; returns that pid and when it first arrived. */
async function backAgain(id: string, old: number, timeoutMs = 20_000): Promise<{ pid: number; at: number }> {
  let found: { pid: number; at: number } | undefined;
  const ok = await waitFor(() => {
    for (const [pid, at] of seen.get(id) ?? []) if (pid !== old && isAlive(pid)) found = { pid, at };
    return found !== undefined;
  }, timeoutMs);
  assert.ok(ok && found, `${id} did not heartbeat again with a new pid within ${timeoutMs} ms`);
  return found;
}

function logOf(id: string): string {
  try {
    return readFileSync(path.join(tmp, 'run', 'logs', `${id}.log`), 'utf8');
  } catch {
    return '';
  }
}
const leaderLines = (id: string): number =>
  logOf(id)
    .split('\n')
    .filter((l) => l.includes('this replica is now the leader')).length;

const times: number[] = [];
function report(label: string, ms: number): void {
  times.push(ms);
  process.stderr.write(`# ${label}: ${Math.round(ms)} ms\n`);
}

before(async () => {
  await new Promise<void>((resolve) =>
    observer.bind(eggPorts({ ports: { heartbeat: BASE } } as never, 3).udp, '127.0.0.1', () => resolve()),
  );
  const base = buildNodeSpecs((await import('../node/config/cluster.js')).loadClusterConfig(configFile), configFile);
  const peers = JSON.stringify([0, 1, 2].map((i) => `127.0.0.1:${BASE + 20 + i}`));
  const eggs = base
    .filter((s) => s.kind === 'egg-of-life' && s.index < 3)
    .map((s) => ({ ...s, env: { ...s.env, COFFEE__LEADER_ELECTION__PEERS: peers } }));
  const dummies: NodeSpec[] = [0, 1].map((i) => ({
    id: `tx-filter-${i}`,
    kind: 'tx-filter',
    index: i,
    args: [DUMMY, 'node', 'tx-filter', '--index', String(i)],
    env: { COFFEE_CLUSTER_CONFIG: configFile },
  }));
  cluster = await startLocalCluster({ configFile, specs: [...eggs, ...dummies], output: 'silent' });
  const all = ['egg-of-life-0', 'egg-of-life-1', 'egg-of-life-2', 'tx-filter-0', 'tx-filter-1'];
  assert.ok(
    await waitFor(() => all.every((id) => latestPid(id) !== undefined), 20_000),
    `not every node heartbeats: ${[...seen.keys()].join(', ')}`,
  );
  assert.ok(await waitFor(() => leaderLines('egg-of-life-2') >= 1, 10_000), 'egg-of-life-2 never became leader');
});

after(async () => {
  await cluster?.stop();
  observer.close();
  const left = cluster ? liveNodes(cluster.config) : [];
  if (!process.env.KEEP_FAULT_DIR) rmSync(tmp, { recursive: true, force: true });
  assert.deepEqual(left, [], 'stop leaves no node behind');
  if (times.length > 0) {
    const sorted = [...times].sort((a, b) => a - b);
    process.stderr.write(
      `# kill → heartbeating again: n=${sorted.length} median ${Math.round(sorted[Math.floor(sorted.length / 2)])} ms, worst ${Math.round(sorted[sorted.length - 1])} ms\n`,
    );
  }
});

test('(a) a SIGKILLed node heartbeats again with a new pid', async () => {
  for (let round = 0; round < 6; round++) {
    const id = `tx-filter-${round % 2}`;
    const old = latestPid(id)!;
    const t0 = performance.now();
    process.kill(old, 'SIGKILL');
    const back = await backAgain(id, old);
    report(`SIGKILL ${id} → heartbeat`, back.at - t0);
    assert.notEqual(back.pid, old);
    assert.equal(isAlive(old), false);
  }
});

test('(b) a SIGSTOPped node is detected, killed and replaced (not duplicated)', async () => {
  for (const id of ['tx-filter-0', 'tx-filter-1']) {
    const old = latestPid(id)!;
    const t0 = performance.now();
    process.kill(old, 'SIGSTOP');
    const back = await backAgain(id, old);
    report(`SIGSTOP ${id} → replacement heartbeat`, back.at - t0);
    assert.equal(isAlive(old), false, 'the frozen process was killed');
    // Exactly one process heartbeats for the id from now on.
    const since = performance.now();
    assert.ok(await waitFor(() => performance.now() - since > 600, 1000, 100));
    const recent = [...(seen.get(id) ?? [])].filter(([pid]) => isAlive(pid));
    assert.equal(recent.length, 1, `one live process for ${id}`);
  }
});

test('(c) two of three eggs die, leader included: the survivor leads, restarts a node and the eggs', async () => {
  const egg2 = latestPid('egg-of-life-2')!;
  const egg1 = latestPid('egg-of-life-1')!;
  const before0 = leaderLines('egg-of-life-0');
  const before2 = leaderLines('egg-of-life-2');
  const eggIds = ['egg-of-life-0', 'egg-of-life-1', 'egg-of-life-2'];
  const logStart = new Map(eggIds.map((id) => [id, logOf(id).length]));
  /** What `id` logged since this test began (its log file is appended across restarts). */
  const since = (id: string): string => logOf(id).slice(logStart.get(id));
  const tEggs = performance.now();
  process.kill(egg2, 'SIGKILL');
  process.kill(egg1, 'SIGKILL');
  assert.ok(await waitFor(() => leaderLines('egg-of-life-0') > before0, 10_000), 'egg-of-life-0 did not become leader');

  const old = latestPid('tx-filter-0')!;
  const t0 = performance.now();
  process.kill(old, 'SIGKILL');
  const back = await backAgain('tx-filter-0', old);
  report('SIGKILL tx-filter-0 with one egg left → heartbeat', back.at - t0);

  const e1 = await backAgain('egg-of-life-1', egg1);
  const e2 = await backAgain('egg-of-life-2', egg2);
  process.stderr.write(
    `# eggs killed → heartbeating again: egg-of-life-1 ${Math.round(e1.at - tEggs)} ms, egg-of-life-2 ${Math.round(e2.at - tEggs)} ms\n`,
  );
  // egg-of-life-0 was alone, so it restarted the first of the two to go silent. Which replica
  // restarted the other is a race: the other was last heard up to one heartbeat later, so it may
  // still be within its timeout when the first is back (~0.2 s from spawn to heartbeat) and, if
  // higher, leads and restarts it itself. Either way both are restarted.
  assert.match(since('egg-of-life-0'), /restarted egg-of-life-[12]/);
  const restarts = eggIds.map(since).join('');
  assert.match(restarts, /restarted egg-of-life-1 /);
  assert.match(restarts, /restarted egg-of-life-2 /);
  // The recovered highest replica takes the lead back.
  assert.ok(await waitFor(() => leaderLines('egg-of-life-2') > before2, 10_000), 'restarted egg-of-life-2 did not take over');

  // And the new leader restarts nodes too.
  const old1 = latestPid('tx-filter-1')!;
  const t1 = performance.now();
  process.kill(old1, 'SIGKILL');
  const back1 = await backAgain('tx-filter-1', old1);
  report('SIGKILL tx-filter-1 after leader change → heartbeat', back1.at - t1);
  assert.match(logOf('egg-of-life-2'), /restarted tx-filter-1/);
});
