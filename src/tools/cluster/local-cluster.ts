import http from 'node:http';
import { mkdirSync, rmSync } from 'node:fs';
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
import { listPidFiles, liveNodes, removePidFile, signal } from '../../node/processes.js';
import { writeRegistry } from '../../egg-of-life/restart/registry.js';
import { loadClusterSecret } from '../../node/heartbeat/auth.js';
import { LocalProcessRunner } from '../../egg-of-life/restart/runner.js';
import { nodeFlagsFromEnv } from '../../node/v8-flags.js';
import { LogFollower } from './log-follower.js';
import { clusterTargets, stopClusterProcesses } from './stop-all.js';
import { eventsFile } from '../../node/cluster-events.js';

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
  /**
   * Called once the cluster is known to be ours to start (no other one runs with this run dir),
   * right before its nodes are spawned: `npm start` starts its clients there, so they load
   * while the nodes boot.
   */
  beforeSpawn?: () => void;
}

export interface LocalCluster {
  config: ClusterConfig;
  configFile: string;
  /** `host:port` of each gateway's client port. */
  gateways(): string[];
  /** Live nodes, from the pid files. */
  nodes(): Array<{ id: string; kind: NodeKind; pid: number }>;
  /** Resolves once every gateway (or, with need 'any', one gateway) answers `GET /ping` with 200. */
  waitReady(timeoutMs: number, need?: 'all' | 'any'): Promise<void>;
  /** Graceful stop: Egg of Life first (so nothing is restarted), then every node. */
  stop(): Promise<void>;
  /** SIGKILLs every node now, Egg of Life included (the whole-cluster crash). */
  kill(signal?: NodeJS.Signals): void;
}

export class ClusterAlreadyRunningError extends CoffeeError {
  constructor(dir: string, id: string, pid: number, stopCommand: string) {
    super(
      ErrorCode.CLUSTER_RUNNING,
      `a cluster is already running with run dir ${dir} (${id}, pid ${pid}); stop it with \`${stopCommand}\``,
    );
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

/**
 * The order nodes are spawned in (all at once, but on two busy cores the first spawned boot
 * first): what a client's session waits on first (a gateway to connect to, the controller
 * that opens the session), then the stages in pipeline order, the Egg of Life last (it is on
 * no session's path; nothing it could restart is up before it anyway).
 */
const BOOT_ORDER: NodeKind[] = [
  'gateway',
  'controller',
  ...NODE_KINDS.filter((k) => k !== 'egg-of-life' && k !== 'controller' && k !== 'gateway'),
  'egg-of-life',
];

/** `COFFEE__*` set by the user: kept in every spec, so they reach every node that has such a component key. */
function userOverrides(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && k.startsWith('COFFEE__')) out[k] = v;
  return out;
}

/**
 * Starts every node of the local cluster as a detached OS process (Egg of Life replicas,
 * controllers, workers, gateways, all spawned at once) and writes the registry the Egg of Life
 * restarts them from. It restarts nothing itself.
 */
export async function startLocalCluster(options: LocalClusterOptions = {}): Promise<LocalCluster> {
  const configFile = path.resolve(options.configFile ?? DEFAULT_CLUSTER_CONFIG);
  const config = loadClusterConfig(configFile) as ClusterConfig;
  const dir = runDir(config);

  // Pid files and /proc: an orphan whose pid file was lost still holds its ports.
  const [running] = clusterTargets(config, configFile);
  if (running) throw new ClusterAlreadyRunningError(dir, running[1], running[0], stopCommand(configFile));
  for (const entry of listPidFiles(config)) removePidFile(entry.file); // stale: their processes are gone
  rmSync(eventsFile(dir), { force: true }); // a new run, a new timeline
  mkdirSync(pidDir(config), { recursive: true });
  mkdirSync(logDir(config), { recursive: true });
  // Creates the local cluster's secret (mode 0600) if needed, and fails here, not in 20 nodes, if it is unusable.
  loadClusterSecret(config);
  nodeFlagsFromEnv(); // likewise: bad COFFEE_NODE_FLAGS fail the start, not every spawn and restart

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
  options.beforeSpawn?.();
  // All at once: each start only waits for the spawn, and the nodes' boot (module loading,
  // broker connection) then overlaps instead of queueing behind the previous spawn.
  const bootOrder = [...specs].sort((a, b) => BOOT_ORDER.indexOf(a.kind) - BOOT_ORDER.indexOf(b.kind) || a.index - b.index);
  const spawned = await Promise.allSettled(bootOrder.map(async (spec) => started.set(spec.id, await runner.start(spec))));
  const failed = spawned.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) {
    for (const pid of started.values()) signal(pid, 'SIGKILL');
    follower?.stop();
    throw failed.reason;
  }

  const gatewaySpecs = specs.filter((s) => s.kind === 'gateway');
  const cluster: LocalCluster = {
    config,
    configFile,
    gateways: () => gatewaySpecs.map((s) => gatewayAddress(config, s.index)),
    nodes: () => liveNodes(config).map(({ id, kind, pid }) => ({ id, kind, pid })),
    waitReady: (timeoutMs, need = 'all') => waitReady(config, gatewaySpecs, timeoutMs, need),
    stop: async () => {
      await stopClusterProcesses(config, configFile, { started });
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

/** `host:port` of gateway `index`'s client port in the local cluster. */
export function gatewayAddress(config: Readonly<ClusterConfig>, index: number): string {
  return `127.0.0.1:${gatewayPorts(config, index).port}`;
}

/** The command that stops this cluster (the config flag only when it is not the default). */
export function stopCommand(configFile: string): string {
  return path.resolve(configFile) === path.resolve(DEFAULT_CLUSTER_CONFIG)
    ? 'npx coffee-analysis stop'
    : `npx coffee-analysis stop --config ${configFile}`;
}

async function waitReady(config: ClusterConfig, gateways: NodeSpec[], timeoutMs: number, need: 'all' | 'any'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const pending = new Set(gateways);
  while (pending.size > 0) {
    // Every pending gateway at once: one slow or refusing gateway does not delay the others' check.
    const up = await Promise.all([...pending].map(async (g) => [g, await ping(gatewayPorts(config, g.index).healthcheck, 500)] as const));
    for (const [g, ok] of up) if (ok) pending.delete(g);
    if (pending.size === 0 || (need === 'any' && pending.size < gateways.length)) return;
    if (Date.now() >= deadline) {
      const names = [...pending].map((g) => `${g.id} (GET http://127.0.0.1:${gatewayPorts(config, g.index).healthcheck}/ping)`);
      throw new ClusterNotReadyError(`cluster not ready after ${timeoutMs} ms: ${names.join(', ')} not up; see ${logDir(config)}`);
    }
    // A refused connection answers at once, so polling often costs little and notices readiness sooner.
    await new Promise((r) => setTimeout(r, 25));
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
