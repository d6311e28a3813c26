import { NODE_KINDS, type ClusterConfig, type NodeKind } from '../../node/config/cluster.js';
import { UsageError } from '../../node/errors.js';
import { isNodeProcess, liveNodes, signal as sendSignal } from '../../node/processes.js';

export interface ChaosNode {
  id: string;
  kind: NodeKind;
  pid: number;
}

export interface ChaosKill {
  id: string;
  pid: number;
  /** Date.now() of the kill. */
  at: number;
}

export interface ChaosFilter {
  /** Only these kinds (empty/undefined: every kind). */
  only?: readonly NodeKind[];
  /** Never these kinds. */
  except?: readonly NodeKind[];
  /**
   * Never kill the last live Egg of Life replica (default true): with every monitor dead
   * nothing can be restarted, and no design recovers from that without an operator.
   */
  spareLastEgg?: boolean;
}

export interface ChaosOptions extends ChaosFilter {
  cluster: ClusterConfig;
  /** ms between rounds (default 1000). */
  intervalMs?: number;
  /** Nodes killed per round (default 1). */
  kill?: number;
  /** Stop after this many ms (default: until aborted). */
  durationMs?: number;
  signal?: AbortSignal;
  /** Uniform in [0, 1) (default Math.random); seed it for reproducible runs. */
  random?: () => number;
  onKill?(kill: ChaosKill): void;
  /** Where live nodes come from (default: the run dir's pid files). */
  listNodes?: () => ChaosNode[];
}

/** Parses `--only`/`--except` values: comma-separated node kinds. */
export function parseKinds(value: string | undefined, flag: string): NodeKind[] | undefined {
  if (value === undefined) return undefined;
  const kinds = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const k of kinds)
    if (!NODE_KINDS.includes(k as NodeKind))
      throw new UsageError(`chaos: ${flag}: unknown node kind '${k}' (kinds: ${NODE_KINDS.join(', ')})`);
  return kinds as NodeKind[];
}

/** Picks up to `n` distinct random nodes matching the filter. */
export function selectVictims<T extends ChaosNode>(nodes: readonly T[], n: number, filter: ChaosFilter, random: () => number): T[] {
  const candidates = nodes.filter((x) => (!filter.only?.length || filter.only.includes(x.kind)) && !filter.except?.includes(x.kind));
  // Fisher–Yates, drawing from the front.
  const pool = [...candidates];
  for (let i = pool.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [pool[i], pool[j]] = [pool[j], pool[i]];
  }
  let eggsLeft = nodes.filter((x) => x.kind === 'egg-of-life').length;
  const picked: T[] = [];
  for (const x of pool) {
    if (picked.length >= n) break;
    if (x.kind === 'egg-of-life') {
      if (filter.spareLastEgg !== false && eggsLeft <= 1) continue;
      eggsLeft--;
    }
    picked.push(x);
  }
  return picked;
}

/** Small seeded PRNG (mulberry32) for reproducible chaos. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Every interval, SIGKILLs up to `kill` random live nodes of the local cluster (found through
 * their pid files and checked to be that node, never a reused pid). Touches nothing else.
 */
export async function runChaos(options: ChaosOptions): Promise<ChaosKill[]> {
  const intervalMs = options.intervalMs ?? 1000;
  const n = options.kill ?? 1;
  const random = options.random ?? Math.random;
  const list = options.listNodes ?? (() => liveNodes(options.cluster).map(({ id, kind, pid }) => ({ id, kind, pid })));
  const end = options.durationMs === undefined ? Infinity : Date.now() + options.durationMs;
  const kills: ChaosKill[] = [];
  while (!options.signal?.aborted) {
    const wait = Math.min(intervalMs, end - Date.now());
    if (wait < intervalMs) break; // the next round would fall after the end
    if (!(await pause(wait, options.signal))) break;
    for (const victim of selectVictims(list(), n, options, random)) {
      if (!isNodeProcess(victim.pid, victim.id) || !sendSignal(victim.pid, 'SIGKILL')) continue;
      const k = { id: victim.id, pid: victim.pid, at: Date.now() };
      kills.push(k);
      options.onKill?.(k);
    }
  }
  return kills;
}

/** The chaos rate itself (not a wait for a condition); false if aborted. */
function pause(ms: number, signal: AbortSignal | undefined): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve(false);
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
