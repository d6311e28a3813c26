import { runDir } from '../node/config/cluster.js';
import type { NodeContext } from '../node/context.js';
import { appendEvent } from '../node/cluster-events.js';
import type { Heartbeat } from '../node/heartbeat/message.js';
import { metricsIfEnabled } from '../node/metrics.js';
import type { BullyElection } from './bully.js';
import type { Monitor } from './monitor.js';
import { everyOnGrid } from '../node/grid-timer.js';

const POLL_MS = 250;

/**
 * What this Egg of Life replica tells observers: leader changes, deaths and restarts on the
 * cluster timeline (`<run>/events.jsonl`; deaths and restarts by the leader only, so each is
 * written once), and the restart, leader and heartbeat-age metrics. Reads the monitor's public
 * state on a timer: the monitor's logic stays free of observability. Returns `onHeartbeat` (to
 * be called for every heartbeat received) and a stop function.
 */
export function observeEgg(
  ctx: Pick<NodeContext, 'id' | 'index' | 'cluster'>,
  election: BullyElection,
  monitor: Monitor,
): { onHeartbeat(hb: Heartbeat): void; stop(): void } {
  const dir = runDir(ctx.cluster);
  const metrics = metricsIfEnabled();
  const lastSeen = new Map<string, number>();
  const reportedDead = new Set<string>();
  let restartsSeen = monitor.restarts.length;

  election.on('leader', (leader: number | undefined) => {
    if (leader === undefined) return;
    metrics?.leaderChanges.inc();
    metrics?.isLeader.set(leader === ctx.index ? 1 : 0);
    if (leader === ctx.index) appendEvent(dir, { type: 'leader', at: Date.now(), id: ctx.id });
  });

  const timer = everyOnGrid(() => {
    const now = Date.now();
    const leads = election.isLeader();
    const dead = new Set(monitor.dead());
    for (const id of dead) {
      if (reportedDead.has(id) || !leads) continue;
      reportedDead.add(id);
      appendEvent(dir, { type: 'dead', at: now, id, silentMs: now - (lastSeen.get(id) ?? now), by: ctx.id });
    }
    for (const id of reportedDead) if (!dead.has(id)) reportedDead.delete(id);
    for (; restartsSeen < monitor.restarts.length; restartsSeen++) {
      const r = monitor.restarts[restartsSeen];
      // Usually the monitor finds a node dead and restarts it in the same round: the death was
      // never seen by the poll above, so it is recorded here, before the restart.
      if (!reportedDead.has(r.id)) appendEvent(dir, { type: 'dead', at: now, id: r.id, silentMs: r.silentMs, by: ctx.id });
      reportedDead.delete(r.id);
      metrics?.restarts.inc({ target: r.id });
      appendEvent(dir, { type: 'restart', at: now, id: r.id, oldPids: r.oldPids, pid: r.newPid, silentMs: r.silentMs, by: ctx.id });
    }
    if (metrics) for (const [id, at] of lastSeen) metrics.heartbeatAge.set({ target: id }, (now - at) / 1000);
  }, POLL_MS);

  return {
    onHeartbeat: (hb) => void lastSeen.set(hb.id, Date.now()),
    stop: () => timer.stop(),
  };
}
