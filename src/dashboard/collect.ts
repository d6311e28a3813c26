import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { NODE_KINDS, runDir, type ClusterConfig } from '../node/config/cluster.js';
import { readEvents } from '../node/cluster-events.js';
import { findClusterProcesses } from '../node/discover.js';
import { isNodeProcess, listPidFiles } from '../node/processes.js';
import { STAGES, WORKER_STAGES } from '../node/middleware/topology.js';
import { markMetricsWatched, metricsFile } from '../node/metrics.js';
import { readRegistry, registryFile } from '../egg-of-life/restart/registry.js';
import { sumSamples } from './prom-text.js';
import {
  countRestarts,
  cpuPercent,
  currentLeader,
  deriveNodeState,
  mergeSessions,
  rate,
  timeline,
  type ControllerStatusFile,
  type GatewayStatusFile,
  type NodeState,
  type ProcessSample,
  type SessionView,
  type TimelineEntry,
} from './state.js';

export interface NodeView {
  id: string;
  kind: string;
  index: number;
  state: NodeState;
  pid: number | null;
  uptimeSeconds: number | null;
  restarts: number;
  cpuPercent: number | null;
  rssBytes: number | null;
}

export interface StageView {
  stage: string;
  replicas: number;
  alive: number;
  upstream: string[];
  /** Messages the stage consumed per second (the gateway: published). */
  messagesPerSecond: number | null;
}

export interface QueueView {
  queue: string;
  depth: number | null;
}

export interface ClusterSnapshot {
  at: number;
  name: string;
  runDir: string;
  nodes: NodeView[];
  leader: string | null;
  stages: StageView[];
  sessions: SessionView[];
  queues: QueueView[];
  timeline: TimelineEntry[];
}

const CLK_TCK = 100; // Linux's USER_HZ on every architecture Node runs on
const PAGE = 4096;

function readProcSample(pid: number, bootUptime: number): ProcessSample | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // f[0] is field 3 (state): field n is f[n - 3].
    const state = f[0];
    if (state === 'Z' || state === 'X') return undefined;
    return {
      pid,
      state,
      cpuSeconds: (Number(f[11]) + Number(f[12])) / CLK_TCK,
      uptimeSeconds: Math.max(0, bootUptime - Number(f[19]) / CLK_TCK),
      rssBytes: Number(f[21]) * PAGE,
    };
  } catch {
    return undefined;
  }
}

function readJson<T>(file: string): T | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

/**
 * Reads a running cluster from the outside, from what it already leaves on disk and in /proc:
 * the node registry, pid files (and /proc, for processes whose pid file was lost), each node's
 * stats and metrics files, the controllers' and gateways' session files, the timeline. Nothing
 * here talks to a node, so observing costs the pipeline nothing. Keeps the previous reading
 * to turn counters into rates.
 */
export class ClusterObserver {
  private prev: { at: number; procs: Map<string, ProcessSample>; stageCounts: Map<string, number>; sessions: Map<string, SessionView> } = {
    at: 0,
    procs: new Map(),
    stageCounts: new Map(),
    sessions: new Map(),
  };

  constructor(
    readonly config: Readonly<ClusterConfig>,
    readonly configFile: string,
  ) {}

  get runDir(): string {
    return runDir(this.config);
  }

  /** Node ids of the cluster: the registry's, or the config's replica counts before it exists. */
  private nodeIds(): Array<{ id: string; kind: string; index: number }> {
    try {
      return readRegistry(registryFile(this.config)).map((s) => ({ id: s.id, kind: s.kind, index: s.index }));
    } catch {
      return NODE_KINDS.flatMap((kind) =>
        Array.from({ length: this.config.replicas[kind] }, (_, index) => ({ id: `${kind}-${index}`, kind, index })),
      );
    }
  }

  /**
   * Live processes per node id: the pid file's if it is that node, else one found in /proc.
   * The /proc scan (every process's command line) is only made while some node has no live pid
   * file: it is most of what a tick costs, and with every pid file valid it finds nothing new.
   */
  livePids(ids: ReadonlyArray<{ id: string }> = this.nodeIds()): Map<string, number> {
    const pids = new Map<string, number>();
    for (const e of listPidFiles(this.config)) if (isNodeProcess(e.pid, e.id)) pids.set(e.id, e.pid);
    if (ids.some((n) => !pids.has(n.id))) for (const p of findClusterProcesses(this.configFile)) if (!pids.has(p.id)) pids.set(p.id, p.pid);
    return pids;
  }

  snapshot(queues: QueueView[] = []): ClusterSnapshot {
    const now = Date.now();
    const elapsed = this.prev.at === 0 ? 0 : now - this.prev.at;
    const dir = this.runDir;
    const bootUptime = Number(readText('/proc/uptime').split(' ')[0]) || 0;
    const ids = this.nodeIds();
    const pids = this.livePids(ids);
    const events = readEvents(dir);
    const restarts = countRestarts(events);

    const procs = new Map<string, ProcessSample>();
    for (const [id, pid] of pids) {
      const s = readProcSample(pid, bootUptime);
      if (s) procs.set(id, s);
    }
    const eggsAlive = ids.filter((n) => n.kind === 'egg-of-life' && procs.has(n.id)).length;
    const nodes: NodeView[] = ids.map(({ id, kind, index }) => {
      const proc = procs.get(id);
      const stats = readJson<{ at?: number; pid?: number }>(path.join(dir, 'stats', `${id}.json`));
      // Stats of a predecessor (killed, this one not writing yet) say nothing about this process.
      const statsAge = typeof stats?.at === 'number' && stats.pid === proc?.pid ? now - stats.at : undefined;
      return {
        id,
        kind,
        index,
        state: deriveNodeState(proc, statsAge, eggsAlive),
        pid: proc?.pid ?? null,
        uptimeSeconds: proc ? Math.round(proc.uptimeSeconds) : null,
        restarts: restarts.get(id) ?? 0,
        cpuPercent: cpuPercent(this.prev.procs.get(id), proc, elapsed),
        rssBytes: proc?.rssBytes ?? null,
      };
    });

    // Throughput per stage: the sum of its replicas' message counters, from their metrics files
    // (which the nodes write every second only while someone reads them: we do).
    markMetricsWatched(dir);
    const stageCounts = new Map<string, number>();
    for (const n of ids) {
      const text = readText(metricsFile(dir, n.id));
      const metric = n.kind === 'gateway' ? 'coffee_messages_out_total' : 'coffee_messages_in_total';
      stageCounts.set(n.kind, (stageCounts.get(n.kind) ?? 0) + sumSamples(text, metric));
    }
    const stageKinds = ['gateway', ...WORKER_STAGES] as const;
    const stages: StageView[] = stageKinds.map((stage) => ({
      stage,
      replicas: this.config.replicas[stage],
      alive: nodes.filter((n) => n.kind === stage && n.state === 'alive').length,
      upstream: stage === 'gateway' ? [] : STAGES[stage].upstream.map((u) => (u === 'source' ? 'gateway' : u)),
      messagesPerSecond: rate(this.prev.stageCounts.get(stage), stageCounts.get(stage) ?? 0, elapsed),
    }));

    const controllers: ControllerStatusFile[] = [];
    const gateways: GatewayStatusFile[] = [];
    let names: string[] = [];
    try {
      names = readdirSync(path.join(dir, 'sessions')).filter((n) => n.endsWith('.json'));
    } catch {
      // no session file yet
    }
    for (const name of names) {
      const id = name.slice(0, -5);
      if (!pids.has(id) && !procs.has(id)) continue; // a dead node's last word is stale
      const v = readJson<Partial<ControllerStatusFile & GatewayStatusFile>>(path.join(dir, 'sessions', name));
      if (v && Array.isArray(v.sessions) && typeof v.controller === 'string') controllers.push(v as ControllerStatusFile);
      else if (v && v.rows && typeof v.gateway === 'string') gateways.push(v as GatewayStatusFile);
    }
    const sessions = mergeSessions(controllers, gateways, this.prev.sessions, elapsed);

    this.prev = { at: now, procs, stageCounts, sessions: new Map(sessions.map((s) => [s.id, s])) };
    return {
      at: now,
      name: this.config.name,
      runDir: dir,
      nodes,
      leader: currentLeader(events, (id) => procs.has(id)),
      stages,
      sessions,
      queues,
      timeline: timeline(events),
    };
  }
}
