import { mkdtempSync, readFileSync, readdirSync, existsSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import assert from 'node:assert/strict';
import { startLocalCluster, type LocalCluster } from '../tools/cluster/local-cluster.js';
import { waitFor } from '../node/processes.js';
import { ClusterConfigSchema, loadClusterConfig, nodeCount } from '../node/config/cluster.js';
import { deleteSharedQueues, writeIsolatedClusterConfig } from '../tools/cluster/isolated.js';
import { Broker } from '../node/middleware/broker.js';
import { Topology } from '../node/middleware/topology.js';
import { createLogger } from '../node/log.js';
import { generateDataset } from '../tools/generator/index.js';
import { computeReference } from '../tools/reference/compute.js';
import { REPORT_FILES } from '../queries/report-format.js';
import { runClient } from '../client/client.js';
import type { ClientOptions, ClientSummary } from '../client/options.js';
import { freePortBlock } from './ports.js';

export const AMQP_URL = process.env.AMQP_URL ?? 'amqp://guest:guest@localhost:5672/';

/** Ports far from the defaults so a test never meets a developer's running cluster. */
let portBlock = 0;

export interface TestCluster {
  cluster: LocalCluster;
  dir: string;
  configFile: string;
  /** SIGKILLs every node at once (Egg of Life included) and starts the whole cluster again on the same state. */
  crashAndRestart(): Promise<void>;
  /** The gateway node id serving `host:port`. */
  gatewayNodeOf(address: string): string;
  /** Pid of every running node of `kind`, by node id (a restart shows as a changed pid). */
  pidsOf(kind: string): Map<string, number>;
  stop(): Promise<void>;
}

/**
 * Starts a real local cluster (real processes, the real broker) with its own queue prefix,
 * run folder and ports. `replicas` and `env` override the defaults of config/cluster.yaml.
 */
export async function startTestCluster(
  opts: {
    replicas?: Record<string, number>;
    env?: Record<string, string>;
    heartbeatMs?: number;
    /** Broker address (one URL or a comma-separated list); default AMQP_URL. */
    amqpUrl?: string;
    queueType?: 'classic' | 'quorum';
    /** middleware.patience in ms. */
    patienceMs?: number;
    /**
     * Runs once before any node starts, with the run folder (`<run>/state/<node id>` is each
     * node's state folder): e.g. mount a small tmpfs there. Undone by `afterStop`.
     */
    beforeStart?: (runDir: string) => void;
    /** Runs once every node is stopped (or the cluster failed to start), before the folder is deleted. */
    afterStop?: () => void;
  } = {},
): Promise<TestCluster> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'coffee-e2e-'));
  const name = `t${process.pid}x${portBlock}`;
  const base = await freePortBlock(100, process.pid + portBlock * 101);
  portBlock++;
  const configFile = path.join(dir, 'cluster.yaml');
  const defaults = ClusterConfigSchema.parse({
    middleware: { address: opts.amqpUrl ?? AMQP_URL, queue_type: opts.queueType, patience: opts.patienceMs },
    replicas: opts.replicas ?? {},
    heartbeat: { interval: opts.heartbeatMs ?? 200 },
  });
  writeIsolatedClusterConfig(configFile, defaults, {
    name,
    runDir: path.join(dir, 'run'),
    ports: { gateway: base, heartbeat: base + 40, election: base + 60, dashboard: base + 80 },
  });
  const start = async (): Promise<LocalCluster> => {
    const cluster = await startLocalCluster({ configFile, output: 'silent', env: { AMQP_URL: opts.amqpUrl ?? AMQP_URL, ...opts.env } });
    try {
      await cluster.waitReady(30_000);
      // Ready means the gateways answer; the other nodes boot in parallel and may not have written
      // their pid files yet. Tests that remember pids (to tell a restart) need every node listed.
      const total = nodeCount(cluster.config);
      await eventually(() => cluster.nodes().length === total, 30_000, `all ${total} nodes of the test cluster to be running`);
    } catch (err) {
      await cluster.stop();
      throw err;
    }
    return cluster;
  };
  opts.beforeStart?.(path.join(dir, 'run'));
  let first: LocalCluster;
  try {
    first = await start();
  } catch (err) {
    opts.afterStop?.();
    throw err;
  }
  const tc: TestCluster = {
    cluster: first,
    dir,
    configFile,
    crashAndRestart: async () => {
      tc.cluster.kill('SIGKILL');
      await eventually(() => tc.cluster.nodes().length === 0, 10_000, 'every node to be dead');
      tc.cluster = await start();
    },
    pidsOf: (kind) =>
      new Map(
        tc.cluster
          .nodes()
          .filter((n) => n.kind === kind)
          .map((n) => [n.id, n.pid]),
      ),
    gatewayNodeOf: (address) => {
      const i = tc.cluster.gateways().indexOf(address);
      assert.ok(i >= 0, `${address} is not a gateway of the test cluster`);
      return `gateway-${i}`;
    },
    stop: async () => {
      await tc.cluster.stop();
      opts.afterStop?.();
      await deleteSharedQueues(tc.cluster.config);
      if (!process.env.KEEP_TEST_DIRS) rmSync(dir, { recursive: true, force: true });
    },
  };
  return tc;
}

/** Datasets are cached per (scale, seed, flags) for the whole test process. */
const datasets = new Map<string, string>();
export async function dataset(opts: { scale: number; seed: number; hardCases?: boolean; badRows?: boolean }): Promise<string> {
  const key = JSON.stringify(opts);
  const cached = datasets.get(key);
  if (cached && existsSync(cached)) return cached;
  const out = mkdtempSync(path.join(os.tmpdir(), 'coffee-data-'));
  await generateDataset({ out, scale: opts.scale, seed: opts.seed, hardCases: opts.hardCases ?? true, badRows: opts.badRows ?? false });
  datasets.set(key, out);
  return out;
}

/** Asserts the five reports in `outDir` are byte-identical to the reference on `dataDir`. */
export async function assertMatchesReference(dataDir: string, outDir: string): Promise<void> {
  const { reports } = await computeReference(dataDir);
  for (const [name, file] of Object.entries(REPORT_FILES) as Array<[keyof typeof REPORT_FILES, string]>) {
    const got = readFileSync(path.join(outDir, file), 'utf8');
    const want = reports[name];
    if (got !== want) {
      const g = got.split('\n');
      const w = want.split('\n');
      const i = g.findIndex((line, j) => line !== w[j]);
      assert.fail(
        `${file} differs from the reference at line ${i + 1}: got ${JSON.stringify(g[i])}, want ${JSON.stringify(w[i])} (${g.length} vs ${w.length} lines)`,
      );
    }
  }
}

/** Session folders left in any node's state: must be none once sessions are delivered. */
export function leftoverSessionFiles(tc: TestCluster): string[] {
  const stateRoot = path.join(tc.dir, 'run', 'state');
  if (!existsSync(stateRoot)) return [];
  const out: string[] = [];
  for (const node of readdirSync(stateRoot)) {
    const sessions = path.join(stateRoot, node, 'sessions');
    if (existsSync(sessions)) for (const f of readdirSync(sessions)) out.push(`${node}/${f}`);
  }
  return out;
}

export async function resultsQueueExists(tc: TestCluster, session: string): Promise<boolean> {
  const broker = await Broker.connect(AMQP_URL, createLogger('test', 'silent'), 'test-probe');
  try {
    return (await broker.queueDepth(new Topology(loadClusterConfig(tc.configFile)).resultsQueue(session))) !== null;
  } finally {
    await broker.close();
  }
}

/** Polls a condition until true or the deadline (never a fixed sleep). */
export async function eventually(
  cond: () => boolean | Promise<boolean>,
  timeoutMs: number,
  /** What was awaited; a function is called at the deadline, so it can say what is still missing. */
  what: string | (() => string),
): Promise<void> {
  if (!(await waitFor(cond, timeoutMs, 50)))
    assert.fail(`timed out after ${timeoutMs} ms waiting for ${typeof what === 'string' ? what : what()}`);
}

/**
 * One client per dataset, all at once, on the test cluster's gateways, patient enough to ride out
 * chaos (small batches: more messages in flight, so kills land mid-stream); every report checked
 * against the reference. Returns the summaries, in dataset order.
 */
export async function runClientsAtOnce(tc: TestCluster, datas: string[], opts: Partial<ClientOptions> = {}): Promise<ClientSummary[]> {
  const outs = datas.map(() => tempDir('coffee-out-'));
  const summaries = await Promise.all(
    datas.map((data, i) =>
      runClient({
        data,
        out: outs[i],
        gateways: tc.cluster.gateways(),
        progress: false,
        retryForMs: 120_000,
        maxBatchBytes: 128 * 1024,
        ...opts,
      }),
    ),
  );
  for (let i = 0; i < datas.length; i++) await assertMatchesReference(datas[i], outs[i]);
  return summaries;
}

export function tempDir(prefix: string): string {
  return mkdtempSync(path.join(os.tmpdir(), prefix));
}
