import path from 'node:path';
import { z } from 'zod';
import { loadConfig } from './load.js';
import { REPO_ROOT } from './paths.js';

/** Every kind of node the cluster runs, named as in SYSTEM.md. */
export const NODE_KINDS = [
  'egg-of-life',
  'controller',
  'gateway',
  'tx-filter',
  'item-filter',
  'q1-sort',
  'q2-agg',
  'q3-agg',
  'q4-count',
  'q4-top',
] as const;
export type NodeKind = (typeof NODE_KINDS)[number];

export const WORKER_KINDS = ['tx-filter', 'item-filter', 'q1-sort', 'q2-agg', 'q3-agg', 'q4-count', 'q4-top'] as const;
export type WorkerKind = (typeof WORKER_KINDS)[number];

const replicas = z.number().int().min(1).max(32);

/**
 * The cluster config (`config/cluster.yaml`): what runs and where, and every setting shared by
 * all nodes. The node runtime (`startNode`) loads it once and hands it to each node's main as
 * `ctx.cluster`; a component's own `config.yaml` holds only that component's local tuning.
 *
 * Precedence, highest first:
 *   1. `COFFEE_CLUSTER__A__B` sets cluster key `a.b`;
 *   2. `AMQP_URL` sets `middleware.address`, `LOG_LEVEL` sets `log.level`,
 *      `COFFEE__MIDDLEWARE__QUEUE_TYPE` sets `middleware.queue_type`;
 *   3. the file named by `COFFEE_CLUSTER_CONFIG` (`npm start --config X` sets it to X);
 *   4. the defaults below.
 * A standalone gateway may still set the seed's keys in its own config.yaml (see
 * `src/gateway/config.ts`); they win over the cluster's for that gateway only.
 */
export const ClusterConfigSchema = z.object({
  /** Prefix of every queue and exchange; lets several clusters share one broker. */
  name: z
    .string()
    .regex(/^[a-z][a-z0-9-]{0,30}$/)
    .default('coffee'),
  middleware: z
    .object({
      /**
       * The RabbitMQ every node connects to: one AMQP URL, or the comma-separated URLs of the
       * nodes of one RabbitMQ cluster (same user, password and vhost); a node connects to any
       * live one and moves to another when its node dies.
       */
      address: z.string().default('amqp://guest:guest@localhost:5672/'),
      /**
       * `classic` (one broker node holds each queue) or `quorum` (each durable queue replicated
       * on a majority of a RabbitMQ cluster's nodes before a publish is confirmed, so a node can
       * die). Changing it needs the cluster's queues deleted first (they keep their type).
       */
      queue_type: z.enum(['classic', 'quorum']).default('classic'),
      /**
       * ms a node (and `npm start`) waits for the broker, at start or after losing it, before
       * failing with ERR_BROKER_UNREACHABLE. Long enough for a broker restart.
       */
      patience: z.number().int().min(100).default(120_000),
    })
    .prefault({}),
  /** Pid files, logs and every node's state folder live under this folder. */
  run_dir: z.string().default('.run'),
  /**
   * CPU priority (nice, 0–19) of the worker nodes (WORKER_KINDS) a local cluster runs as
   * processes; gateways, controllers and the Egg of Life keep the starter's. On one shared host
   * the client's single thread is the run's critical path: at equal priority the workers' bursts
   * take the core it needs, though they would catch up from their queues a moment later
   * (issue 11, README "Round five"). 0: every node at the starter's priority. Containers ignore it.
   */
  worker_nice: z.number().int().min(0).max(19).default(10),
  replicas: z
    .object({
      'egg-of-life': replicas.default(3),
      controller: replicas.default(2),
      gateway: replicas.default(2),
      'tx-filter': replicas.default(2),
      'item-filter': replicas.default(2),
      'q1-sort': replicas.default(2),
      'q2-agg': replicas.default(2),
      'q3-agg': replicas.default(2),
      'q4-count': replicas.default(2),
      'q4-top': replicas.default(2),
    })
    .prefault({}),
  ports: z
    .object({
      /** Gateway i listens for clients on gateway + 2i and serves /ping on gateway + 2i + 1. */
      gateway: z.number().int().min(1).max(65000).default(8080),
      /** Egg of Life replica i receives UDP heartbeats on heartbeat + i. */
      heartbeat: z.number().int().min(1).max(65000).default(7777),
      /** Egg of Life replica i takes part in the Bully election on TCP election + i. */
      election: z.number().int().min(1).max(65000).default(7800),
      /** The dashboard (and every node's metrics, at /metrics) on http://127.0.0.1:<dashboard>/. */
      dashboard: z.number().int().min(1).max(65535).default(8090),
    })
    .prefault({}),
  /** Containers: each node serves its own GET /metrics on this port (0: none; the local cluster's dashboard serves them all). */
  metrics: z.object({ port: z.number().int().min(0).max(65535).default(0) }).prefault({}),
  heartbeat: z
    .object({
      /** Where the Egg of Life replicas receive heartbeats (replica i on ports.heartbeat + i). */
      host: z.string().default('127.0.0.1'),
      /**
       * One host per Egg of Life replica (replica i at hosts[i]), where they are not all on
       * `host`: e.g. compose services on a bridge network. Empty: every replica on `host`.
       */
      hosts: z.array(z.string()).default([]),
      /** ms between two heartbeats of every node. */
      interval: z.number().int().min(10).default(200),
    })
    .prefault({}),
  /**
   * How the Egg of Life restarts a dead node: `process` spawns it again on this host (the local
   * cluster); `docker` restarts its container through the Docker Engine API (a compose
   * deployment; the Egg of Life needs the engine's socket mounted). The container of node `<id>`
   * is named `<container_prefix><id>`; unset, the prefix is `<name>-`.
   */
  restart: z
    .object({
      runner: z.enum(['process', 'docker']).default('process'),
      container_prefix: z.string().optional(),
      docker_socket: z.string().default('/var/run/docker.sock'),
    })
    .prefault({}),
  /**
   * Cluster-internal authentication (SECURITY.md): every heartbeat and election message is
   * signed with the cluster secret. `secret_file` names the file holding it (empty: generated
   * under the run dir, mode 0600, for the local cluster); COFFEE_CLUSTER_SECRET wins over both.
   */
  security: z
    .object({
      secret_file: z.string().default(''),
      /** ms a signed message stays acceptable (clock skew between hosts + delivery). */
      replay_window: z.number().int().min(100).default(10_000),
    })
    .prefault({}),
  /**
   * Address the gateways listen on (client port and /ping). Loopback by default, so a local
   * cluster is not reachable from the network; container deployments set 0.0.0.0 on purpose.
   */
  bind: z.string().default('127.0.0.1'),
  /** pino level of every node (`development` is an alias of `debug`). */
  log: z.object({ level: z.string().default('info') }).prefault({}),
});
export type ClusterConfig = z.infer<typeof ClusterConfigSchema>;

export const DEFAULT_CLUSTER_CONFIG = path.join(REPO_ROOT, 'config', 'cluster.yaml');

/** Loads the cluster config named by `COFFEE_CLUSTER_CONFIG` (or the given file, or the default). */
export function loadClusterConfig(file = process.env.COFFEE_CLUSTER_CONFIG ?? DEFAULT_CLUSTER_CONFIG): Readonly<ClusterConfig> {
  return loadConfig(ClusterConfigSchema, file, clusterEnv(process.env));
}

/**
 * The environment as the cluster config's loader sees it: `AMQP_URL`, `LOG_LEVEL` and
 * `COFFEE__MIDDLEWARE__QUEUE_TYPE` as their keys, then `COFFEE_CLUSTER__*` (which win); other
 * component `COFFEE__*` keys are not cluster keys.
 */
export function clusterEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  if (env.AMQP_URL) out.COFFEE__MIDDLEWARE__ADDRESS = env.AMQP_URL;
  if (env.LOG_LEVEL) out.COFFEE__LOG__LEVEL = env.LOG_LEVEL;
  // Queue type is a cluster key read by every node, but issue 8 names it COFFEE__MIDDLEWARE__…
  // (the component prefix): accept that spelling too (COFFEE_CLUSTER__… still wins).
  if (env.COFFEE__MIDDLEWARE__QUEUE_TYPE) out.COFFEE__MIDDLEWARE__QUEUE_TYPE = env.COFFEE__MIDDLEWARE__QUEUE_TYPE;
  for (const [k, v] of Object.entries(env)) if (k.startsWith('COFFEE_CLUSTER__')) out[`COFFEE__${k.slice('COFFEE_CLUSTER__'.length)}`] = v;
  return out;
}

/** How many nodes the cluster runs: every kind's replicas. */
export function nodeCount(cluster: ClusterConfig): number {
  return NODE_KINDS.reduce((a, kind) => a + cluster.replicas[kind], 0);
}

export function nodeId(kind: NodeKind, index: number): string {
  return `${kind}-${index}`;
}

export function runDir(cluster: ClusterConfig): string {
  return path.resolve(REPO_ROOT, cluster.run_dir);
}
export function pidDir(cluster: ClusterConfig): string {
  return path.join(runDir(cluster), 'pids');
}
export function stateDir(cluster: ClusterConfig, id: string): string {
  return path.join(runDir(cluster), 'state', id);
}
export function logDir(cluster: ClusterConfig): string {
  return path.join(runDir(cluster), 'logs');
}

export function gatewayPorts(cluster: ClusterConfig, index: number): { port: number; healthcheck: number } {
  return { port: cluster.ports.gateway + 2 * index, healthcheck: cluster.ports.gateway + 2 * index + 1 };
}
export function eggPorts(cluster: ClusterConfig, index: number): { udp: number; election: number } {
  return { udp: cluster.ports.heartbeat + index, election: cluster.ports.election + index };
}
