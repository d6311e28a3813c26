import http from 'node:http';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import {
  DEFAULT_CLUSTER_CONFIG,
  NODE_KINDS,
  gatewayPorts,
  loadClusterConfig,
  logDir,
  pidDir,
  runDir,
  type ClusterConfig,
  type NodeKind,
} from '../../node/config/cluster.js';
import { CoffeeError, ErrorCode } from '../../node/errors.js';
import { buildNodeSpecs, type NodeSpec } from '../../egg-of-life/restart/node-spec.js';
import { isNodeProcess, listPidFiles, liveNodes, parseNodeId, removePidFile, signal, waitFor } from '../../node/processes.js';
import { writeRegistry } from '../../egg-of-life/restart/registry.js';
import { loadClusterSecret } from '../../node/heartbeat/auth.js';
import { LocalProcessRunner } from '../../egg-of-life/restart/runner.js';
import { LogFollower } from './log-follower.js';

export interface LocalClusterOptions {
  /** Cluster config file (default config/cluster.yaml). */
  configFile?: string;
  /** Extra environment for every node (e.g. AMQP_URL); kept in the registry so restarts get it too. */
  env?: Record<string, string>;
  /** prefix: every node's log lines on our stdout as `[id] line`; silent: only in `<run>/logs/<id>.log`. */
  output?: 'prefix' | 'silent';
  /** Replaces the specs built from the config (tests run fixture nodes this way). */
  specs?: NodeSpec[];
  /** Where prefixed lines go (default process.stdout). */
  write?: (line: string) => void;
}

export interface LocalCluster {
  config: ClusterConfig;
  configFile: string;
  /** `host:port` of each gateway's client port. */
  gateways(): string[];
  /** Live nodes, from the pid files. */
  nodes(): Array<{ id: string; kind: NodeKind; pid: number }>;
  /** Resolves once every gateway answers `GET /ping` with 200. */
  waitReady(timeoutMs: number): Promise<void>;
  /** Graceful stop: Egg of Life first (so nothing is restarted), then every node. */
  stop(): Promise<void>;
  /** SIGKILLs every node now, Egg of Life included (the whole-cluster crash). */
  kill(signal?: NodeJS.Signals): void;
}

export class ClusterAlreadyRunningError extends CoffeeError {
  constructor(dir: string, id: string, pid: number) {
    super(ErrorCode.CLUSTER_RUNNING, `a cluster is already running with run dir ${dir} (${id}, pid ${pid}); stop it first`);
  }
}

export class ClusterNotReadyError extends CoffeeError {
  constructor(message: string) {
    super(ErrorCode.CLUSTER_NOT_READY, message);
  }
}

const KIND_ORDER: NodeKind[] = [
  'egg-of-life',
  'controller',
  ...NODE_KINDS.filter((k) => k !== 'egg-of-life' && k !== 'controller' && k !== 'gateway'),
  'gateway',
];
const STOP_TIMEOUT_MS = 10_000;

/** `COFFEE__*` set by the user: kept in every spec, so they reach every node that has such a component key. */
function userOverrides(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && k.startsWith('COFFEE__')) out[k] = v;
  return out;
}

/**
 * Starts every node of the local cluster as a detached OS process (Egg of Life replicas,
 * controllers, workers, gateways, in that order) and writes the registry the Egg of Life
 * restarts them from. It restarts nothing itself.
 */
export async function startLocalCluster(options: LocalClusterOptions = {}): Promise<LocalCluster> {
  const configFile = path.resolve(options.configFile ?? DEFAULT_CLUSTER_CONFIG);
  const config = loadClusterConfig(configFile) as ClusterConfig;
  const dir = runDir(config);

  for (const entry of listPidFiles(config)) {
    if (isNodeProcess(entry.pid, entry.id)) throw new ClusterAlreadyRunningError(dir, entry.id, entry.pid);
    removePidFile(entry.file); // stale: its process is gone
  }
  mkdirSync(pidDir(config), { recursive: true });
  mkdirSync(logDir(config), { recursive: true });
  // Creates the local cluster's secret (mode 0600) if needed, and fails here, not in 20 nodes, if it is unusable.
  loadClusterSecret(config);

  const base = options.specs ?? buildNodeSpecs(config, configFile);
  const overrides = { ...userOverrides(), ...(options.env ?? {}) };
  const specs = base
    .map((s) => ({ ...s, env: { ...overrides, ...s.env } }))
    .sort((a, b) => KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind) || a.index - b.index);
  writeRegistry(config, specs);

  const runner = new LocalProcessRunner(logDir(config));
  const write = options.write ?? ((line: string) => process.stdout.write(`${line}\n`));
  const follower = options.output === 'silent' ? undefined : new LogFollower(logDir(config), write).start();
  const started = new Map<string, number>();
  try {
    for (const spec of specs) started.set(spec.id, await runner.start(spec));
  } catch (err) {
    for (const pid of started.values()) signal(pid, 'SIGKILL');
    follower?.stop();
    throw err;
  }

  const gatewaySpecs = specs.filter((s) => s.kind === 'gateway');
  const cluster: LocalCluster = {
    config,
    configFile,
    gateways: () => gatewaySpecs.map((s) => `127.0.0.1:${gatewayPorts(config, s.index).port}`),
    nodes: () => liveNodes(config).map(({ id, kind, pid }) => ({ id, kind, pid })),
    waitReady: (timeoutMs) => waitReady(config, gatewaySpecs, timeoutMs),
    stop: async () => {
      await stopNodes(config, started);
      follower?.stop();
    },
    kill: (sig = 'SIGKILL') => {
      // Eggs first, so none of them sees the others die and restarts them.
      const all = liveNodes(config).sort((a, b) => Number(b.kind === 'egg-of-life') - Number(a.kind === 'egg-of-life'));
      for (const n of all) signal(n.pid, sig);
      // Nodes this process started but whose pid file is not written yet are ours to kill too.
      for (const pid of started.values()) signal(pid, sig);
    },
  };
  return cluster;
}

async function stopNodes(config: ClusterConfig, started: Map<string, number>): Promise<void> {
  const terminate = async (eggs: boolean): Promise<void> => {
    const targets = new Map<number, string>(); // pid -> id
    for (const n of liveNodes(config)) if ((n.kind === 'egg-of-life') === eggs) targets.set(n.pid, n.id);
    // A child still booting has no pid file yet: stop it too.
    for (const [id, pid] of started) if ((parseNodeId(id)?.kind === 'egg-of-life') === eggs && isNodeProcess(pid, id)) targets.set(pid, id);
    const alive = (): Array<[number, string]> => [...targets].filter(([pid, id]) => isNodeProcess(pid, id));
    for (const [pid] of targets) signal(pid, 'SIGTERM');
    if (!(await waitFor(() => alive().length === 0, STOP_TIMEOUT_MS, 50))) for (const [pid] of alive()) signal(pid, 'SIGKILL');
    await waitFor(() => alive().length === 0, 2000, 20);
  };
  await terminate(true);
  await terminate(false);
  for (const entry of listPidFiles(config)) if (!isNodeProcess(entry.pid, entry.id)) removePidFile(entry.file);
}

async function waitReady(config: ClusterConfig, gateways: NodeSpec[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const pending = new Set(gateways);
  while (pending.size > 0) {
    for (const g of [...pending]) if (await ping(gatewayPorts(config, g.index).healthcheck, 500)) pending.delete(g);
    if (pending.size === 0) return;
    if (Date.now() >= deadline) {
      const names = [...pending].map((g) => `${g.id} (GET http://127.0.0.1:${gatewayPorts(config, g.index).healthcheck}/ping)`);
      throw new ClusterNotReadyError(`cluster not ready after ${timeoutMs} ms: ${names.join(', ')} not up; see ${logDir(config)}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

function ping(port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/ping', timeout: timeoutMs }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
  });
}
