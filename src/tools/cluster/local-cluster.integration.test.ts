import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startLocalCluster, type LocalCluster } from './local-cluster.js';
import type { NodeSpec } from '../../egg-of-life/restart/node-spec.js';
import { buildNodeSpecs } from '../../egg-of-life/restart/node-spec.js';
import { isAlive, liveNodes, waitFor } from '../../node/processes.js';
import { readRegistry, registryFile } from '../../egg-of-life/restart/registry.js';
import { runChaos, seededRandom } from '../chaos/chaos.js';
import { WORKER_KINDS, loadClusterConfig, type ClusterConfig } from '../../node/config/cluster.js';
import { CLI_BIN } from '../../node/config/paths.js';
import { v8FlagsFor } from '../../node/v8-flags.js';
import { freePortBlock } from '../../testing/ports.js';

/** Dummy nodes only (no Egg of Life): start order, registry, readiness, chaos, stop. */
const DUMMY = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'testing', 'fixtures', 'dummy-node.js');
const BASE = await freePortBlock(30);
const tmp = mkdtempSync(path.join(os.tmpdir(), 'local-cluster-'));
const run = path.join(tmp, 'run');
const configFile = path.join(tmp, 'cluster.yaml');
writeFileSync(
  configFile,
  `run_dir: ${JSON.stringify(run)}\nreplicas:\n  gateway: 2\n  egg-of-life: 1\nports:\n  heartbeat: ${BASE}\n  election: ${BASE + 10}\n  gateway: ${BASE + 20}\n`,
);
const dummy = (kind: NodeSpec['kind'], index: number): NodeSpec => ({
  id: `${kind}-${index}`,
  kind,
  index,
  args: [DUMMY, 'node', kind, '--index', String(index)],
  env: { COFFEE_CLUSTER_CONFIG: configFile },
  nice: kind === 'gateway' ? 0 : 7,
});
const specs = [dummy('gateway', 0), dummy('gateway', 1), dummy('tx-filter', 0), dummy('tx-filter', 1), dummy('q4-top', 0)];

let cluster: LocalCluster | undefined;
after(async () => {
  await cluster?.stop();
  rmSync(tmp, { recursive: true, force: true });
});

test('node specs: every replica of every kind, eggs first, absolute config path, no per-replica overrides', () => {
  const config = loadClusterConfig(configFile) as ClusterConfig;
  const all = buildNodeSpecs(config, path.relative(process.cwd(), configFile));
  assert.equal(
    all.length,
    Object.values(config.replicas).reduce((a, b) => a + b, 0),
  );
  assert.equal(all[0].id, 'egg-of-life-0');
  const g1 = all.find((s) => s.id === 'gateway-1')!;
  assert.deepEqual(g1.args, [CLI_BIN, 'node', 'gateway', '--index', '1']);
  // Ports are derived by each node from the cluster config and its index (gatewayPorts, eggPorts).
  assert.deepEqual(g1.env, { COFFEE_CLUSTER_CONFIG: configFile });
  assert.deepEqual(all[0].env, { COFFEE_CLUSTER_CONFIG: configFile });
  // Workers run at a lower CPU priority (worker_nice, 10 by default); the others at the starter's.
  for (const s of all) assert.equal(s.nice, (WORKER_KINDS as readonly string[]).includes(s.kind) ? 10 : 0, s.id);
});

test('local cluster: starts, writes the registry, gets ready, refuses a second start, chaos kills only what it may, stops clean', async () => {
  // A stale pid file (dead pid) from an earlier crash must not block the start.
  mkdirSync(path.join(run, 'pids'), { recursive: true });
  writeFileSync(path.join(run, 'pids', 'tx-filter-0.pid'), '999999\n');
  const lines: string[] = [];
  cluster = await startLocalCluster({ configFile, specs, env: { COFFEE__EXTRA_FOR_NODES: 'yes' }, write: (l) => lines.push(l) });
  assert.deepEqual(cluster.gateways(), [`127.0.0.1:${BASE + 20}`, `127.0.0.1:${BASE + 22}`]);
  assert.deepEqual(
    readRegistry(registryFile(cluster.config)).map((s) => s.id),
    ['tx-filter-0', 'tx-filter-1', 'q4-top-0', 'gateway-0', 'gateway-1'],
  );
  assert.equal(readRegistry(registryFile(cluster.config))[0].env.COFFEE__EXTRA_FOR_NODES, 'yes');
  await cluster.waitReady(20_000);
  assert.ok(await waitFor(() => cluster!.nodes().length === specs.length, 10_000), 'every node has a live pid file');
  // Each process runs at its spec's nice above the starter's.
  for (const n of cluster.nodes()) {
    const nice = specs.find((s) => s.id === n.id)!.nice ?? 0;
    assert.equal(os.getPriority(n.pid), Math.min(19, os.getPriority() + nice), n.id);
    // ... and with its kind's V8 flags ahead of its script (v8-flags.ts), none for most kinds.
    const spec = specs.find((s) => s.id === n.id)!;
    const argv = readFileSync(`/proc/${n.pid}/cmdline`, 'utf8').split('\0');
    assert.deepEqual(argv.slice(1, argv.indexOf(spec.args[0])), [...v8FlagsFor(spec.kind)], n.id);
  }
  assert.ok(await waitFor(() => lines.some((l) => l.startsWith('[gateway-1] ') && l.includes('dummy node up')), 5000), 'prefixed output');

  await assert.rejects(
    startLocalCluster({ configFile, specs }),
    /a cluster is already running with run dir .* stop it with `npx coffee-analysis stop --config /,
  );

  const before = new Map(cluster.nodes().map((n) => [n.id, n.pid]));
  const kills = await runChaos({
    cluster: cluster.config,
    intervalMs: 50,
    durationMs: 260,
    kill: 5,
    only: ['tx-filter'],
    random: seededRandom(1),
  });
  assert.deepEqual(kills.map((k) => k.id).sort(), ['tx-filter-0', 'tx-filter-1'], 'both tx-filters, each once (no egg restarts them)');
  for (const k of kills) assert.ok(await waitFor(() => !isAlive(k.pid), 2000));
  assert.ok(isAlive(before.get('q4-top-0')!) && isAlive(before.get('gateway-0')!), 'other kinds untouched');

  // waitReady names what is not up.
  process.kill(before.get('gateway-1')!, 'SIGKILL');
  await assert.rejects(cluster.waitReady(300), /gateway-1 .* not up/);

  await cluster.stop();
  assert.deepEqual(liveNodes(cluster.config), []);
  for (const pid of before.values()) assert.equal(isAlive(pid), false);
  assert.equal(existsSync(path.join(run, 'pids', 'gateway-0.pid')), false, 'pid files removed');
  assert.match(readFileSync(path.join(run, 'logs', 'gateway-0.log'), 'utf8'), /shutting down/);
  cluster = undefined;
});

test('local cluster: kill() takes every node down at once (whole-cluster crash), and a new start works', async () => {
  const c = await startLocalCluster({ configFile, specs, output: 'silent' });
  cluster = c;
  await c.waitReady(20_000);
  assert.ok(await waitFor(() => c.nodes().length === specs.length, 10_000));
  const pids = c.nodes().map((n) => n.pid);
  c.kill();
  assert.ok(await waitFor(() => pids.every((p) => !isAlive(p)), 5000));
  const again = await startLocalCluster({ configFile, specs, output: 'silent' });
  cluster = again;
  await again.waitReady(20_000);
  await again.stop();
  cluster = undefined;
});
