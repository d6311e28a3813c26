import { z } from 'zod';
import { loadConfig } from '../node/config/load.js';
import { componentConfigFile } from '../node/config/paths.js';
import { eggPorts, gatewayPorts, type ClusterConfig } from '../node/config/cluster.js';
import { eggTargetsAt } from '../node/heartbeat/targets.js';
import type { HeartbeatTarget } from '../node/heartbeat/sender.js';

const port = z.number().int().min(0).max(65535);

/**
 * The gateway's config: its local limits, each with a documented default, plus the seed's keys
 * (`port`, `healthcheck.port`, `heartbeat.host/port/interval`, `middleware.address`, `log.level`).
 *
 * The seed's keys are cluster-wide settings whose one source of truth is config/cluster.yaml
 * (`ports.gateway`, `heartbeat.*`, `ports.heartbeat`, `middleware.address`, `log.level`), so
 * they have no default here: unset, the gateway uses the cluster's; set (in this file or by
 * `COFFEE__…`), they override the cluster's for this gateway only — for a gateway run on its
 * own, as in the seed design. See `resolveGatewaySettings`.
 */
export const GatewayConfigSchema = z.object({
  /** TCP port for clients. Unset: cluster ports.gateway + 2 × replica index. */
  port: port.optional(),
  /** HTTP GET /ping. Unset: cluster ports.gateway + 2 × replica index + 1. */
  healthcheck: z.object({ port: port.optional() }).prefault({}),
  /** Where to send heartbeats (Egg of Life replica i on port + i). Unset: the cluster's. */
  heartbeat: z
    .object({
      host: z.string().optional(),
      port: z.number().int().min(1).max(65535).optional(),
      interval: z.number().int().min(10).optional(),
    })
    .prefault({}),
  middleware: z.object({ address: z.string().optional() }).prefault({}),
  log: z.object({ level: z.string().optional() }).prefault({}),
  max_frame_bytes: z
    .number()
    .int()
    .min(1024)
    .default(8 * 1024 * 1024),
  controller_timeout: z.number().int().min(100).default(10_000),
  results_prefetch: z.number().int().min(1).default(32),
  /** Address to listen on (client port and /ping). Unset: the cluster's `bind` (loopback by default). */
  bind: z.string().optional(),
  /** ms between the `alive` notices a gateway sends its controllers for each connected session. */
  alive_interval: z.number().int().min(100).default(60_000),
  /** Sessions of one source address aborted by protocol errors per `window` ms before its connections are refused (ERR_BUSY). */
  abort_limit: z.object({ max: z.number().int().min(1).default(30), window: z.number().int().min(1000).default(60_000) }).prefault({}),
  /** Largest control frame (every type but BATCH/RESULT), and largest frame of any type before HELLO. */
  max_control_frame_bytes: z
    .number()
    .int()
    .min(256)
    .max(1024 * 1024)
    .default(4096),
  /**
   * Sessions one source address may have open (or opening) on this gateway at once, new or
   * resumed; one more HELLO is told ERR_BUSY (retryable: the client tries the next gateway). One
   * address then holds at most this × gateways of the controllers' slots (max.clients each).
   */
  max_sessions_per_source: z.number().int().min(1).default(8),
  /** Client connections open at once; one more is told ERR_BUSY and closed. */
  max_connections: z.number().int().min(1).default(256),
  /** ms a new connection has to send HELLO (and get its session) before it is closed. */
  hello_timeout: z.number().int().min(100).default(10_000),
  /**
   * ms a connection may keep the gateway waiting on the client (results sent but not acked, or
   * part of a frame received) without sending a byte; then it is closed and its results released.
   */
  idle_timeout: z.number().int().min(100).default(60_000),
  /**
   * ms between KEEPALIVE frames to each client with an open session, so a client waiting for a
   * long computation can tell it from a dead gateway (the client's `--idle-timeout`, default
   * 120 s, must stay well above this).
   */
  client_keepalive: z.number().int().min(100).default(15_000),
  /** ms of silence before TCP keepalive probes start (detects peers that vanished without FIN). */
  keepalive: z.number().int().min(1000).default(30_000),
  /** ms after `end()` before a socket whose peer never closes is destroyed. */
  close_grace: z.number().int().min(10).default(5_000),
  /** Batches of one connection being published at once, and frames of it waiting on the broker (TABLE_END); at the cap the socket is paused (backpressure). */
  max_batches_in_flight: z.number().int().min(1).default(64),
  /** RESULT_ACKs naming no result in flight tolerated per connection (a few follow a resume). */
  max_unknown_result_acks: z.number().int().min(0).default(64),
  /** TLS on the client port: PEM certificate and key files. Both empty: plain TCP. */
  tls: z.object({ cert: z.string().default(''), key: z.string().default('') }).prefault({}),
  /** Client token every HELLO must carry (`auth`); empty: no client authentication. A secret: never logged. */
  auth: z.object({ token: z.string().default('') }).prefault({}),
  /**
   * Per-session quotas (session-quotas.ts): a batch over one fails the session with ERR_QUOTA.
   * Defaults are far above an honest scale-1 run (44.5 M rows, ~0.56 GB of batches, 57
   * batches of the largest table, 0.5 M users; SECURITY.md).
   */
  quotas: z
    .object({
      /** Rows of all tables per session, counted by each gateway. */
      rows: z.number().int().min(1).default(500_000_000),
      /** Batch bytes of all tables per session, counted by each gateway (8 GiB). */
      bytes: z
        .number()
        .int()
        .min(1)
        .default(8 * 1024 * 1024 * 1024),
      /** Batches per data table (sequence numbers 0..N-1; exact, survives resumes). */
      batches: z.number().int().min(1).max(0x7fffffff).default(200_000),
      /** Batches per reference table: each is copied to every partition that joins it. */
      reference_batches: z.number().int().min(1).max(0x7fffffff).default(10_000),
      /** Rows per reference table (stores, menu_items, users), counted by each gateway. */
      reference_rows: z.number().int().min(1).default(20_000_000),
    })
    .prefault({}),
  /** Gateway memory cap the attack suite checks against (`<run_dir>/stats/<id>.json` maxRssBytes). */
  max_rss_bytes: z
    .number()
    .int()
    .min(16 * 1024 * 1024)
    .default(512 * 1024 * 1024),
});
export type GatewayConfig = z.infer<typeof GatewayConfigSchema>;

export function loadGatewayConfig(env: NodeJS.ProcessEnv = process.env): Readonly<GatewayConfig> {
  return loadConfig(GatewayConfigSchema, componentConfigFile('gateway'), env);
}

/** The gateway's effective cluster-wide settings: its own override where set, else the cluster's. */
export interface GatewaySettings {
  port: number;
  /** Address the client port and /ping listen on. */
  bind: string;
  healthcheckPort: number;
  brokerAddress: string;
  /** Undefined: the cluster's level, already applied by the node runtime. */
  logLevel: string | undefined;
  /** Undefined: the cluster's targets and interval, already used by the node runtime. */
  heartbeat: { targets: HeartbeatTarget[]; intervalMs: number } | undefined;
}

export function resolveGatewaySettings(config: GatewayConfig, cluster: ClusterConfig, index: number): GatewaySettings {
  const ports = gatewayPorts(cluster, index);
  const hb = config.heartbeat;
  const ownHeartbeat = hb.host !== undefined || hb.port !== undefined || hb.interval !== undefined;
  return {
    port: config.port ?? ports.port,
    bind: config.bind ?? cluster.bind,
    healthcheckPort: config.healthcheck.port ?? ports.healthcheck,
    brokerAddress: config.middleware.address ?? cluster.middleware.address,
    logLevel: config.log.level,
    heartbeat: ownHeartbeat
      ? {
          targets: eggTargetsAt(hb.host ?? cluster.heartbeat.host, hb.port ?? eggPorts(cluster, 0).udp, cluster.replicas['egg-of-life']),
          intervalMs: hb.interval ?? cluster.heartbeat.interval,
        }
      : undefined,
  };
}
