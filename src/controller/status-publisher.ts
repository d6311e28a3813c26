import { runDir } from '../node/config/cluster.js';
import type { NodeContext } from '../node/context.js';
import { metricsIfEnabled } from '../node/metrics.js';
import { sessionStatusFile, writeStatusPeriodically } from '../node/status-file.js';
import type { Coordinator } from './coordinator.js';

/**
 * Publishes this controller's sessions for observers: `<run>/sessions/<id>.json` (rewritten only
 * when it changed) and the `coffee_sessions_open` gauge. Returns the shutdown step.
 */
export function publishSessionStatus(ctx: Pick<NodeContext, 'id' | 'cluster'>, coordinator: Coordinator): () => void {
  const gauge = metricsIfEnabled()?.sessionsOpen;
  return writeStatusPeriodically(sessionStatusFile(runDir(ctx.cluster), ctx.id), () => {
    gauge?.set(coordinator.active);
    return { controller: ctx.id, sessions: coordinator.describe() };
  });
}
