import { mkdirSync, writeFileSync, rmSync, readFileSync } from 'node:fs';
import { writeFileAtomic } from './storage/atomic.js';
import path from 'node:path';
import { loadClusterConfig, nodeId, pidDir, runDir, stateDir, type NodeKind } from './config/cluster.js';
import { createLogger } from './log.js';
import { HeartbeatSender } from './heartbeat/sender.js';
import { everyOnGrid } from './grid-timer.js';
import { eggTargets } from './heartbeat/targets.js';
import { loadClusterSecret } from './heartbeat/auth.js';
import type { NodeContext } from './context.js';
import { startNodeMetrics } from './metrics.js';
import { isNodeProcess, readPidFile } from './processes.js';
import { AlreadyRunningError } from './errors.js';

export interface StartNodeOptions {
  kind: NodeKind;
  index: number;
  /** Egg of Life replicas heartbeat each other through their own election channel too. */
  heartbeat?: boolean;
}

/**
 * Starts the node-level services shared by every kind: pid file (the chaos tool and the
 * cluster find nodes through it), UDP heartbeats to every Egg of Life replica, graceful
 * shutdown on SIGTERM/SIGINT, and a guard so a closed stdout never kills the node.
 */
export function startNode(options: StartNodeOptions): NodeContext {
  const cluster = loadClusterConfig();
  const id = nodeId(options.kind, options.index);
  const log = createLogger(id, cluster.log.level);
  const dir = stateDir(cluster, id);
  mkdirSync(dir, { recursive: true });
  mkdirSync(pidDir(cluster), { recursive: true });
  const pidFile = path.join(pidDir(cluster), `${id}.pid`);
  // A live process of the same identity (two starters raced, e.g. during an Egg of Life leader
  // change): this one leaves, with one line and without touching the other's pid file.
  const other = readPidFile(pidFile);
  if (other !== undefined && other !== process.pid && isNodeProcess(other, id)) throw new AlreadyRunningError(id, `pid ${other}`);
  writeFileSync(pidFile, `${process.pid}\n`);

  // A restarted node may outlive the pipe of whoever started it.
  process.stdout.on('error', () => undefined);
  process.stderr.on('error', () => undefined);

  const steps: Array<() => Promise<void> | void> = [];
  let heartbeat: HeartbeatSender | undefined;
  if (options.heartbeat !== false) {
    heartbeat = new HeartbeatSender({
      id,
      kind: options.kind,
      targets: eggTargets(cluster),
      intervalMs: cluster.heartbeat.interval,
      secret: loadClusterSecret(cluster),
    }).start();
  }

  startNodeMetrics(runDir(cluster), id, options.kind, cluster.metrics.port);
  const writeStats = statsWriter(path.join(runDir(cluster), 'stats'), id, options.kind);
  everyOnGrid(writeStats, 1000);

  let stopping = false;
  const shutdown = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    heartbeat?.stop();
    const timer = setTimeout(() => process.exit(0), 5000);
    timer.unref();
    for (const step of steps.reverse()) {
      try {
        await step();
      } catch (err) {
        log.warn({ err }, 'shutdown step failed');
      }
    }
    rmSync(pidFile, { force: true });
    writeStats();
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));

  return {
    kind: options.kind,
    index: options.index,
    id,
    cluster,
    stateDir: dir,
    log,
    onShutdown: (step) => steps.push(step),
    retargetHeartbeat: (targets, intervalMs) => heartbeat?.reconfigure(targets, intervalMs),
  };
}

/** Bytes this process caused to be written to storage (Linux task I/O accounting), or 0. */
function diskWriteBytes(): number {
  try {
    const m = /^write_bytes:\s+(\d+)$/m.exec(readFileSync('/proc/self/io', 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/**
 * Writes this process's peak RSS, CPU time and disk writes to `<run>/stats/<id>.json` (read by the
 * benchmark). Atomic so a reader never sees half a file; never throws.
 */
function statsWriter(dir: string, id: string, kind: NodeKind): () => void {
  const file = path.join(dir, `${id}.json`);
  return () => {
    try {
      const u = process.resourceUsage();
      const stats = {
        id,
        kind,
        pid: process.pid,
        maxRssBytes: u.maxRSS * 1024,
        cpuUserMs: u.userCPUTime / 1000,
        cpuSystemMs: u.systemCPUTime / 1000,
        diskWriteBytes: diskWriteBytes(),
        at: Date.now(),
      };
      // Rewritten every second and only read by the benchmark: atomic, not durable.
      writeFileAtomic(file, JSON.stringify(stats), { durable: false });
    } catch {
      // Stats are best effort: a full disk or a removed run dir must not hurt the node.
    }
  };
}
