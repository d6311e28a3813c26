import { runDir } from '../node/config/cluster.js';
import type { NodeContext } from '../node/context.js';
import { metricsIfEnabled } from '../node/metrics.js';
import { sessionStatusFile, writeStatusPeriodically } from '../node/status-file.js';

/** Rows each session sent through this gateway, for the dashboard's rows/s (the controller counts batches only). */
const rows = new Map<string, { rows: number; at: number }>();
/** A session not seen for this long is forgotten (bounded memory; the dashboard no longer shows it). */
const FORGET_MS = 10 * 60_000;

/** Records a validated batch of `count` rows of `table` for `session` (a map update and a counter). */
export function recordSessionRows(session: string, table: string, count: number): void {
  const r = rows.get(session);
  if (r) {
    r.rows += count;
    r.at = Date.now();
  } else rows.set(session, { rows: count, at: Date.now() });
  metricsIfEnabled()?.rowsIn.inc({ table }, count);
}

/** Publishes the per-session row counts to `<run>/sessions/<gateway id>.json`; returns the shutdown step. */
export function publishSessionRows(ctx: Pick<NodeContext, 'id' | 'cluster'>): () => void {
  return writeStatusPeriodically(sessionStatusFile(runDir(ctx.cluster), ctx.id), () => {
    const now = Date.now();
    const out: Record<string, number> = {};
    for (const [s, r] of rows) {
      if (now - r.at > FORGET_MS) rows.delete(s);
      else out[s] = r.rows;
    }
    return { gateway: ctx.id, rows: out };
  });
}
