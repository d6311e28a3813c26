import { spawn } from 'node:child_process';
import { getPriority, setPriority } from 'node:os';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../../node/config/paths.js';
import { nodeFlagsFromEnv, v8FlagsFor } from '../../node/v8-flags.js';
import { pidFileOf, isNodeProcess, readPidFile, signal, waitFor } from '../../node/processes.js';
import type { ClusterConfig } from '../../node/config/cluster.js';
import type { NodeSpec } from './node-spec.js';

/** Starts a node from its spec; the local runner spawns a process, the Docker runner starts its container. */
export interface RestartRunner {
  /**
   * Starts the node and resolves with the handle of the new instance once it is started: a
   * pid for a process, the container's host pid for a container.
   */
  start(spec: NodeSpec): Promise<number>;
}

/**
 * Everything the Egg of Life does to a node besides starting it: find what is left of it and
 * kill it, so a frozen instance never comes back next to its replacement. Processes are found
 * through pid files and killed with SIGKILL; containers are found by name and killed (unpaused
 * first) through the engine. Handles are the runner's own (see `start`); a heartbeat's pid may
 * also be passed in, and a runner that cannot tell instances apart answers for the node.
 */
export interface NodeControl extends RestartRunner {
  /** The handle recorded for node `id` (its pid file; its container's last pid), if any. */
  recorded(id: string): number | undefined;
  /** Whether instance `handle` of node `id` is still there, alive or frozen. */
  isInstance(handle: number, id: string): boolean;
  /** Kills instance `handle` of node `id` (a frozen one too). */
  kill(handle: number, id: string): void;
  /** Resolves true once every instance is gone (bounded), false if some is still there. */
  waitGone(handles: number[], id: string): Promise<boolean>;
}

/**
 * The environment a node starts with: the starter's, minus its own component overrides
 * (`COFFEE__*`: an Egg of Life's `COFFEE__PORT` must not become a gateway's port), plus the spec's.
 */
export function nodeEnv(spec: NodeSpec, base: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(base)) if (v !== undefined && !k.startsWith('COFFEE__')) env[k] = v;
  return { ...env, ...spec.env };
}

/**
 * Runs `pid` at `nice` (above the starter's own), early in its start. Best effort: a priority the
 * host refuses changes only how the CPU is shared, never what the node does.
 */
function lowerPriority(pid: number, nice: number): void {
  if (nice <= 0) return;
  try {
    setPriority(pid, Math.min(19, getPriority() + nice));
  } catch {
    // e.g. EACCES in a sandbox: the node runs at the starter's priority
  }
}

/**
 * Spawns `process.execPath ...flags ...spec.args` detached (own process group, unref'd) with
 * stdout and stderr appended to `<logDir>/<id>.log`: a restarted node depends on no pipe of its
 * starter and survives it. The flags: the kind's V8 flags, then any COFFEE_NODE_FLAGS (v8-flags.ts).
 */
export class LocalProcessRunner implements RestartRunner {
  constructor(private readonly logDir: string) {}

  logFile(id: string): string {
    return path.join(this.logDir, `${id}.log`);
  }

  async start(spec: NodeSpec): Promise<number> {
    mkdirSync(this.logDir, { recursive: true });
    const fd = openSync(this.logFile(spec.id), 'a');
    try {
      const env = nodeEnv(spec);
      const child = spawn(process.execPath, [...v8FlagsFor(spec.kind), ...nodeFlagsFromEnv(env), ...spec.args], {
        detached: true,
        stdio: ['ignore', fd, fd],
        env,
        cwd: REPO_ROOT,
      });
      await new Promise<void>((resolve, reject) => {
        child.once('spawn', resolve);
        child.once('error', reject);
      });
      child.unref();
      if (child.pid === undefined) throw new Error(`could not start ${spec.id}`);
      lowerPriority(child.pid, spec.nice ?? 0);
      return child.pid;
    } finally {
      // The child holds its own copy of the descriptor.
      closeSync(fd);
    }
  }
}

/** The local cluster's control: nodes are processes of this host, with pid files under the run dir. */
export class ProcessControl extends LocalProcessRunner implements NodeControl {
  constructor(
    private readonly cluster: ClusterConfig,
    logDir: string,
  ) {
    super(logDir);
  }

  recorded(id: string): number | undefined {
    return readPidFile(pidFileOf(this.cluster, id));
  }

  isInstance(pid: number, id: string): boolean {
    return isNodeProcess(pid, id);
  }

  kill(pid: number): void {
    signal(pid, 'SIGKILL');
  }

  waitGone(pids: number[], id: string): Promise<boolean> {
    return waitFor(() => pids.every((p) => !isNodeProcess(p, id)), 2000, 10);
  }
}
