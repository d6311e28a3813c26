import type { ClusterEvent } from '../node/cluster-events.js';
import type { StageStatus } from '../controller/session-status.js';

/**
 * The pure part of the dashboard and of `status`: from raw observations (processes, files,
 * events) to what is shown. No I/O here, so every rule is unit-tested.
 */

/** alive: running and reporting; frozen: its process exists but is stopped or silent; restarting: no process (the Egg of Life brings it back); down: no process and no Egg of Life to restart it. */
export type NodeState = 'alive' | 'restarting' | 'frozen' | 'down';

/** What one node's process looks like now (undefined: no live process). */
export interface ProcessSample {
  pid: number;
  /** /proc state letter: R, S, D, T (stopped), t (traced)… */
  state: string;
  /** CPU time used so far, seconds. */
  cpuSeconds: number;
  rssBytes: number;
  /** Seconds since the process started. */
  uptimeSeconds: number;
}

/** A node whose stats file is older than this, while its process exists, is frozen (its timers do not run). */
export const FROZEN_AFTER_MS = 5000;

export function deriveNodeState(proc: ProcessSample | undefined, statsAgeMs: number | undefined, eggsAlive: number): NodeState {
  if (!proc) return eggsAlive > 0 ? 'restarting' : 'down';
  if (proc.state === 'T' || proc.state === 't') return 'frozen';
  // A node that just started may not have written stats yet: only a stale file counts.
  if (statsAgeMs !== undefined && statsAgeMs > FROZEN_AFTER_MS && proc.uptimeSeconds * 1000 > FROZEN_AFTER_MS) return 'frozen';
  return 'alive';
}

/** CPU use between two samples of the same process, in percent of one core. */
export function cpuPercent(prev: ProcessSample | undefined, cur: ProcessSample | undefined, elapsedMs: number): number | null {
  if (!prev || !cur || prev.pid !== cur.pid || elapsedMs <= 0) return null;
  return Math.max(0, ((cur.cpuSeconds - prev.cpuSeconds) * 1000 * 100) / elapsedMs);
}

/** Restarts per node id (every `restart` event of the run). */
export function countRestarts(events: readonly ClusterEvent[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const e of events) if (e.type === 'restart') out.set(e.id, (out.get(e.id) ?? 0) + 1);
  return out;
}

/** The Egg of Life leader: the replica that most recently announced it leads, if it is alive. */
export function currentLeader(events: readonly ClusterEvent[], alive: (id: string) => boolean): string | null {
  for (let i = events.length - 1; i >= 0; i--) {
    const e = events[i];
    if (e.type !== 'leader') continue;
    return alive(e.id) ? e.id : null;
  }
  return null;
}

/** One line of the timeline. */
export interface TimelineEntry {
  at: number;
  type: ClusterEvent['type'];
  id: string;
  text: string;
}

export function describeEvent(e: ClusterEvent): string {
  switch (e.type) {
    case 'kill':
      return `${e.id} killed (pid ${e.pid}) by ${e.by}`;
    case 'dead':
      return `${e.id} died: silent for ${e.silentMs} ms`;
    case 'restart':
      return `${e.id} restarted as pid ${e.pid} by ${e.by}${e.oldPids.length > 0 ? ` (killed ${e.oldPids.join(', ')})` : ''}`;
    case 'leader':
      return `${e.id} is the Egg of Life leader`;
  }
}

/** The most recent `limit` events, newest first. */
export function timeline(events: readonly ClusterEvent[], limit = 100): TimelineEntry[] {
  return events
    .slice(-limit)
    .reverse()
    .map((e) => ({ at: e.at, type: e.type, id: e.id, text: describeEvent(e) }));
}

/** A session as controllers and gateways report it. */
export interface SessionView {
  id: string;
  controller: string;
  complete: boolean;
  /** Rows the client sent so far (every gateway it used). */
  rows: number;
  rowsPerSecond: number | null;
  /** 0..1: batches the source stage received over the client's announced total (null until known). */
  sourceProgress: number | null;
  stages: Partial<Record<string, StageStatus>>;
}

export interface ControllerStatusFile {
  controller: string;
  sessions: Array<{ id: string; complete: boolean; stages: Partial<Record<string, StageStatus>> }>;
}
export interface GatewayStatusFile {
  gateway: string;
  rows: Record<string, number>;
}

/**
 * Joins the controllers' session progress with the gateways' row counts; rows/s from the
 * previous view of the same session (`elapsedMs` earlier).
 */
export function mergeSessions(
  controllers: readonly ControllerStatusFile[],
  gateways: readonly GatewayStatusFile[],
  previous: ReadonlyMap<string, SessionView>,
  elapsedMs: number,
): SessionView[] {
  const rows = new Map<string, number>();
  for (const g of gateways) for (const [s, n] of Object.entries(g.rows)) rows.set(s, (rows.get(s) ?? 0) + n);
  const out: SessionView[] = [];
  for (const c of controllers) {
    for (const s of c.sessions) {
      const n = rows.get(s.id) ?? 0;
      const prev = previous.get(s.id);
      const src = s.stages.source;
      out.push({
        id: s.id,
        controller: c.controller,
        complete: s.complete,
        rows: n,
        rowsPerSecond: prev && elapsedMs > 0 ? Math.max(0, ((n - prev.rows) * 1000) / elapsedMs) : null,
        sourceProgress: src && src.expected !== null && src.expected > 0 ? Math.min(1, src.received / src.expected) : null,
        stages: s.stages,
      });
    }
  }
  return out.sort((a, b) => a.id.localeCompare(b.id));
}

/** Per-second rate of a counter between two readings (null without a previous one or on a reset). */
export function rate(prev: number | undefined, cur: number, elapsedMs: number): number | null {
  if (prev === undefined || elapsedMs <= 0 || cur < prev) return null;
  return ((cur - prev) * 1000) / elapsedMs;
}
