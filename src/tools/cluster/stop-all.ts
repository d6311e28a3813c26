import type { ClusterConfig } from '../../node/config/cluster.js';
import { findClusterProcesses } from '../../node/discover.js';
import { isNodeProcess, listPidFiles, parseNodeId, removePidFile, signal, waitFor } from '../../node/processes.js';

const STOP_TIMEOUT_MS = 10_000;
/** Rounds of "find the Egg of Life replicas, freeze them": one more than a restart in flight can add. */
const EGG_ROUNDS = 20;

type Targets = Map<number, string>; // pid -> node id

/**
 * Every live process of the cluster: its pid files, /proc (pid files are lost when a node is
 * restarted while its predecessor's shutdown removes the file, or when a supervisor died
 * mid-stop), and the processes a supervisor started itself (not booted far enough to write one).
 */
export function clusterTargets(config: Readonly<ClusterConfig>, configFile: string, started?: ReadonlyMap<string, number>): Targets {
  const targets: Targets = new Map();
  for (const e of listPidFiles(config)) if (isNodeProcess(e.pid, e.id)) targets.set(e.pid, e.id);
  for (const p of findClusterProcesses(configFile)) targets.set(p.pid, p.id);
  for (const [id, pid] of started ?? []) if (isNodeProcess(pid, id)) targets.set(pid, id);
  return targets;
}

const isEgg = (id: string): boolean => parseNodeId(id)?.kind === 'egg-of-life';

/**
 * Stops every process of a cluster, whoever started it. The Egg of Life goes first and
 * without a chance to act: every replica is frozen (SIGSTOP) before any is killed, round after
 * round until a round finds no new one, so no replica restarts another or a node behind our
 * back; frozen replicas are then SIGKILLed (they keep no state). The other nodes then get
 * SIGTERM (a graceful stop) and SIGKILL after `timeoutMs`. Idempotent; returns how many
 * processes it stopped.
 */
export async function stopClusterProcesses(
  config: Readonly<ClusterConfig>,
  configFile: string,
  opts: { started?: ReadonlyMap<string, number>; timeoutMs?: number } = {},
): Promise<number> {
  const frozen: Targets = new Map();
  for (let round = 0; round < EGG_ROUNDS; round++) {
    const fresh = [...clusterTargets(config, configFile, opts.started)].filter(([pid, id]) => isEgg(id) && !frozen.has(pid));
    if (fresh.length === 0) break;
    for (const [pid, id] of fresh) {
      signal(pid, 'SIGSTOP');
      frozen.set(pid, id);
    }
    // A restart the replica was spawning when frozen shows up within a few ms: look again.
    await new Promise((r) => setTimeout(r, 50));
  }
  for (const [pid] of frozen) signal(pid, 'SIGKILL');
  await waitFor(() => [...frozen].every(([pid, id]) => !isNodeProcess(pid, id)), 2000, 20);

  const others: Targets = new Map();
  for (let round = 0; round < 3; round++) {
    const found = [...clusterTargets(config, configFile, opts.started)].filter(([pid]) => !frozen.has(pid) && !others.has(pid));
    if (found.length === 0) break;
    for (const [pid, id] of found) {
      others.set(pid, id);
      signal(pid, 'SIGTERM');
    }
    const alive = (): Array<[number, string]> => [...others].filter(([pid, id]) => isNodeProcess(pid, id));
    if (!(await waitFor(() => alive().length === 0, opts.timeoutMs ?? STOP_TIMEOUT_MS, 50)))
      for (const [pid] of alive()) signal(pid, 'SIGKILL');
    await waitFor(() => alive().length === 0, 2000, 20);
  }
  for (const entry of listPidFiles(config)) if (!isNodeProcess(entry.pid, entry.id)) removePidFile(entry.file);
  return frozen.size + others.size;
}
