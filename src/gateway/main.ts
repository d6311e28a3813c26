import type { NodeContext } from '../node/context.js';
import { Broker } from '../node/middleware/broker.js';
import { Topology } from '../node/middleware/topology.js';
import { loadGatewayConfig } from './config.js';
import { MessageHandler } from './controller-link.js';
import { ClientManager } from './client-manager.js';
import { GatewayServer } from './server.js';
import { PingServer } from './healthcheck.js';
import { eggTargetsAt } from '../node/heartbeat/targets.js';
import { publishSessionRows } from './session-rows.js';

/**
 * Gateway: the single entry point for clients.
 *   config            config.ts + config.yaml (seed keys)
 *   handler/          messages to/from the middleware (admission, batches, results)
 *   sessions/         one ClientSession per connection, the ClientManager over them
 *   network/          framing of a client connection
 *   server/           the TCP server for clients
 *   healthcheck/      HTTP GET /ping
 * Heartbeats to the Egg of Life and SIGTERM handling come from the node runtime.
 */
export async function main(ctx: NodeContext): Promise<void> {
  const config = loadGatewayConfig();
  // The seed's heartbeat.host/port/interval: Egg of Life replica i listens on port + i.
  ctx.retargetHeartbeat(
    eggTargetsAt(config.heartbeat.host, config.heartbeat.port, ctx.cluster.replicas['egg-of-life']),
    config.heartbeat.interval,
  );
  const broker = await Broker.connect(config.middleware.address, ctx.log, ctx.id);
  const handler = new MessageHandler(broker, new Topology(ctx.cluster), ctx.index, ctx.id);
  await handler.start();

  const manager = new ClientManager(
    handler,
    { controllerTimeoutMs: config.controller_timeout, resultsPrefetch: config.results_prefetch, maxFrameBytes: config.max_frame_bytes },
    ctx.log,
  );
  const server = new GatewayServer(manager);
  const port = await server.listen(config.port);
  const ping = new PingServer();
  const pingPort = await ping.listen(config.healthcheck.port);

  // Shutdown runs in reverse: stop accepting, drain clients, close the broker, stop /ping last.
  ctx.onShutdown(() => ping.close());
  ctx.onShutdown(() => broker.close());
  ctx.onShutdown(async () => {
    server.stopAccepting();
    await manager.drainAll();
  });
  ctx.onShutdown(publishSessionRows(ctx));
  ctx.log.info({ port, healthcheck: pingPort }, 'gateway ready');
}
