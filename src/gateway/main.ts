import type { NodeContext } from '../node/context.js';
import { connectNodeBroker } from '../node/middleware/node-broker.js';
import { Topology } from '../node/middleware/topology.js';
import { loadGatewayConfig, resolveGatewaySettings } from './config.js';
import { MessageHandler } from './controller-link.js';
import { ClientManager } from './client-manager.js';
import { GatewayServer } from './server.js';
import { PingServer } from './healthcheck.js';

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
  // Cluster-wide settings come from the cluster config; the seed's keys may override them.
  const settings = resolveGatewaySettings(config, ctx.cluster, ctx.index);
  if (settings.logLevel !== undefined) ctx.log.level = settings.logLevel === 'development' ? 'debug' : settings.logLevel;
  if (settings.heartbeat) ctx.retargetHeartbeat(settings.heartbeat.targets, settings.heartbeat.intervalMs);
  const broker = await connectNodeBroker(ctx, settings.brokerAddress);
  const handler = new MessageHandler(broker, new Topology(ctx.cluster), ctx.index, ctx.id);
  await handler.start();

  const manager = new ClientManager(
    handler,
    { controllerTimeoutMs: config.controller_timeout, resultsPrefetch: config.results_prefetch, maxFrameBytes: config.max_frame_bytes },
    ctx.log,
  );
  const server = new GatewayServer(manager);
  const port = await server.listen(settings.port);
  const ping = new PingServer();
  const pingPort = await ping.listen(settings.healthcheckPort);

  // Shutdown runs in reverse: stop accepting, drain clients, close the broker, stop /ping last.
  ctx.onShutdown(() => ping.close());
  ctx.onShutdown(() => broker.close());
  ctx.onShutdown(async () => {
    server.stopAccepting();
    await manager.drainAll();
  });
  ctx.log.info({ port, healthcheck: pingPort }, 'gateway ready');
}
