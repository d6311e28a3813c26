import type { NodeContext } from '../node/context.js';
import { connectNodeBroker } from '../node/middleware/node-broker.js';
import { Topology } from '../node/middleware/topology.js';
import { loadGatewayConfig, resolveGatewaySettings } from './config.js';
import { ControllerLink } from './controller-link.js';
import { ClientManager } from './client-manager.js';
import { GatewayServer } from './server.js';
import { HealthcheckServer } from './healthcheck.js';
import { publishSessionRows } from './session-rows.js';
import { SessionQuotas } from './session-quotas.js';

/**
 * Gateway: the single entry point for clients. Its parts, outside in:
 *   server.ts             TCP server for clients (listen.ts: the bind helper it shares)
 *   healthcheck.ts        HTTP GET /ping
 *   client-manager.ts     every connection's session; drains them on shutdown
 *   framed-connection.ts  one client's socket as whole frames in and out
 *   client-session.ts     the client protocol's state machine, per connection
 *   controller-link.ts    the middleware side: admission by the controller, batches, results
 *   session-quotas.ts     per-session quotas (rows, bytes, batches) checked on every batch
 *   config.ts             config.ts + config.yaml (seed keys)
 * Heartbeats to the Egg of Life and SIGTERM handling come from the node runtime.
 */
export async function main(ctx: NodeContext): Promise<void> {
  const config = loadGatewayConfig();
  // Cluster-wide settings come from the cluster config; the seed's keys may override them.
  const settings = resolveGatewaySettings(config, ctx.cluster, ctx.index);
  if (settings.logLevel !== undefined) ctx.log.level = settings.logLevel === 'development' ? 'debug' : settings.logLevel;
  if (settings.heartbeat) ctx.retargetHeartbeat(settings.heartbeat.targets, settings.heartbeat.intervalMs);
  const broker = await connectNodeBroker(ctx, settings.brokerAddress);
  const controller = new ControllerLink(broker, new Topology(ctx.cluster), ctx.index, ctx.id);
  await controller.start();

  const manager = new ClientManager(
    controller,
    {
      controllerTimeoutMs: config.controller_timeout,
      resultsPrefetch: config.results_prefetch,
      maxFrameBytes: config.max_frame_bytes,
      maxControlBytes: config.max_control_frame_bytes,
      maxConnections: config.max_connections,
      maxSessionsPerSource: config.max_sessions_per_source,
      aliveIntervalMs: config.alive_interval,
      clientKeepaliveMs: config.client_keepalive,
      maxAbortsPerSource: config.abort_limit.max,
      abortWindowMs: config.abort_limit.window,
      helloTimeoutMs: config.hello_timeout,
      idleTimeoutMs: config.idle_timeout,
      keepAliveMs: config.keepalive,
      closeGraceMs: config.close_grace,
      maxBatchesInFlight: config.max_batches_in_flight,
      maxUnknownResultAcks: config.max_unknown_result_acks,
      authToken: config.auth.token,
      quotas: new SessionQuotas({
        rows: config.quotas.rows,
        bytes: config.quotas.bytes,
        batches: config.quotas.batches,
        referenceBatches: config.quotas.reference_batches,
        referenceRows: config.quotas.reference_rows,
      }),
    },
    ctx.log,
  );
  const useTls = config.tls.cert !== '' || config.tls.key !== '';
  const server = new GatewayServer(manager, useTls ? config.tls : undefined, 2 * config.max_connections);
  const port = await server.listen(settings.port, settings.bind);
  const healthcheck = new HealthcheckServer(() => broker.connected);
  const healthcheckPort = await healthcheck.listen(settings.healthcheckPort, settings.bind);

  // Shutdown runs in reverse: stop accepting, drain clients, close the broker, stop /ping last.
  ctx.onShutdown(() => healthcheck.close());
  ctx.onShutdown(() => broker.close());
  ctx.onShutdown(async () => {
    server.stopAccepting();
    await manager.drainAll();
  });
  ctx.onShutdown(publishSessionRows(ctx));
  ctx.log.info(
    { port, healthcheck: healthcheckPort, bind: settings.bind, tls: useTls, clientAuth: config.auth.token !== '' },
    'gateway ready',
  );
}
