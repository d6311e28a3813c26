import type { NodeContext } from '../node/context.js';
import { connectNodeBroker } from '../node/middleware/node-broker.js';
import { Topology } from '../node/middleware/topology.js';
import { loadControllerConfig } from './config.js';
import { SessionStore } from './session-store.js';
import { Coordinator } from './coordinator.js';
import { consumeExclusively } from '../node/middleware/exclusive-consumer.js';
import { publishSessionStatus } from './status-publisher.js';
import { everyOnGrid } from '../node/grid-timer.js';

/**
 * Controller i: owns the sessions whose id hashes to i. Admits sessions (max.clients),
 * counts messages per stage, sends EOS per stage and session, announces completion, and
 * cleans up once the client has its reports. State: one log per session (session-store.ts).
 */
export async function main(ctx: NodeContext): Promise<void> {
  const config = loadControllerConfig();
  const topology = new Topology(ctx.cluster);
  const broker = await connectNodeBroker(ctx);
  ctx.onShutdown(() => broker.close());
  await broker.declareQueues(topology.allSharedQueues());

  const store = new SessionStore(config.storage.path || ctx.stateDir);
  const coordinator = new Coordinator(broker, topology, store, config.max.clients, ctx.log);
  // Sole consumer of its queue; state is (re)loaded each time the consumer becomes ready, so a
  // second process of this controller never works from a stale copy of the logs.
  const window = config.max.unacked_counters;
  consumeExclusively(
    broker,
    { queue: topology.controllerQueue(ctx.index), prefetch: window, concurrency: window },
    async () => ctx.log.info({ sessions: await coordinator.recover() }, 'state loaded; consuming'),
    (msg) => coordinator.handle(msg),
  );
  const idle = config.session.idle_timeout;
  const unused = config.session.unused_timeout;
  const expiry = everyOnGrid(
    () => void coordinator.expireIdle(idle, unused).catch((err: unknown) => ctx.log.error({ err: String(err) }, 'session expiry failed')),
    Math.max(250, Math.min(idle, unused) / 4),
  );
  ctx.onShutdown(() => expiry.stop());
  ctx.onShutdown(publishSessionStatus(ctx, coordinator));
  ctx.log.info({ maxClients: config.max.clients, idleTimeoutMs: idle }, 'controller started');
}
