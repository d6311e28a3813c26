import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** What every node writes to `<run>/stats/<id>.json` (src/common/node/runtime.ts). */
export interface NodeStats {
  id: string;
  kind: string;
  pid: number;
  maxRssBytes: number;
  cpuUserMs: number;
  cpuSystemMs: number;
  /** Bytes written to storage so far (Linux /proc/self/io; 0 where unknown). */
  diskWriteBytes?: number;
  /** Epoch ms of the sample. */
  at: number;
}

export interface KindStats {
  kind: string;
  replicas: number;
  /** Largest peak RSS among the replicas. */
  maxRssBytes: number;
  /** Sum of the replicas' peak RSS (an upper bound of what they held at once). */
  sumRssBytes: number;
  /** CPU seconds (user + system) of all replicas during the measured run. */
  cpuSeconds: number;
  /** Bytes all replicas wrote to storage during the measured run (their durable state). */
  diskWriteBytes: number;
}

function isNodeStats(v: unknown): v is NodeStats {
  if (typeof v !== 'object' || v === null) return false;
  const o = v as Record<string, unknown>;
  return (
    typeof o.id === 'string' &&
    typeof o.kind === 'string' &&
    ['pid', 'maxRssBytes', 'cpuUserMs', 'cpuSystemMs', 'at'].every((k) => typeof o[k] === 'number')
  );
}

/** Every readable stats file of the folder, by node id (unreadable or foreign files are skipped). */
export function readStatsDir(dir: string): Map<string, NodeStats> {
  const out = new Map<string, NodeStats>();
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir)) {
    if (!name.endsWith('.json')) continue;
    try {
      const v: unknown = JSON.parse(readFileSync(path.join(dir, name), 'utf8'));
      if (isNodeStats(v)) out.set(v.id, v);
    } catch {
      // Written atomically, so only a foreign file lands here.
    }
  }
  return out;
}

/** Ids whose latest sample is older than `since` (or missing). */
export function staleIds(stats: Map<string, NodeStats>, ids: string[], since: number): string[] {
  return ids.filter((id) => (stats.get(id)?.at ?? -Infinity) < since);
}

/** Polls the stats folder until every id has a sample taken at or after `since`, or the timeout. */
export async function waitFreshStats(
  dir: string,
  ids: string[],
  since: number,
  timeoutMs: number,
): Promise<{ stats: Map<string, NodeStats>; stale: string[] }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const stats = readStatsDir(dir);
    const stale = staleIds(stats, ids, since);
    if (stale.length === 0 || Date.now() >= deadline) return { stats, stale };
    await new Promise((r) => setTimeout(r, 100));
  }
}

const cpuMs = (s: NodeStats): number => s.cpuUserMs + s.cpuSystemMs;

/**
 * Per node kind: max peak RSS over the replicas and the CPU seconds spent between the two
 * samples. A node whose pid changed in between (restarted) counts its whole new life.
 */
export function aggregateByKind(before: Map<string, NodeStats>, after: Map<string, NodeStats>): KindStats[] {
  const byKind = new Map<string, KindStats>();
  for (const s of after.values()) {
    const b = before.get(s.id);
    const same = b !== undefined && b.pid === s.pid;
    const spent = same ? cpuMs(s) - cpuMs(b) : cpuMs(s);
    const written = (s.diskWriteBytes ?? 0) - (same ? (b.diskWriteBytes ?? 0) : 0);
    const k = byKind.get(s.kind) ?? { kind: s.kind, replicas: 0, maxRssBytes: 0, sumRssBytes: 0, cpuSeconds: 0, diskWriteBytes: 0 };
    k.replicas++;
    k.maxRssBytes = Math.max(k.maxRssBytes, s.maxRssBytes);
    k.sumRssBytes += s.maxRssBytes;
    k.cpuSeconds += Math.max(0, spent) / 1000;
    k.diskWriteBytes += Math.max(0, written);
    byKind.set(s.kind, k);
  }
  return [...byKind.values()].sort((a, b) => a.kind.localeCompare(b.kind));
}
