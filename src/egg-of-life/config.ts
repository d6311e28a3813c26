import { z } from 'zod';
import { loadConfig } from '../node/config/load.js';
import { componentConfigFile } from '../node/config/paths.js';

const ms = z.number().int().min(1);

/**
 * The Egg of Life's local tuning (src/egg-of-life/config.yaml), every key with its default. Its
 * ports, the heartbeat interval and the log level are cluster keys (config/cluster.yaml); `port`
 * and `leader_election.port` here only override them for a replica run outside the cluster.
 */
export const EggConfigSchema = z
  .object({
    host: z.string().default('127.0.0.1'),
    /** UDP port receiving heartbeats. Unset: the cluster's ports.heartbeat + replica index. */
    port: z.number().int().min(1).max(65535).optional(),
    /**
     * ms a node may stay silent before it is dead. 2000 = ten heartbeat intervals (200 ms): a
     * loaded 2-core machine stalls event loops for about a second (measured, README), so lost
     * datagrams and such stalls are tolerated, yet a crash is noticed within about two seconds.
     */
    timeout_interval: ms.default(2000),
    /** ms between liveness checks; bounds the detection latency beyond timeout_interval. */
    check_interval: ms.default(250),
    /**
     * ms a node gets to send its first heartbeat, when we start and after each restart we
     * issue: a Node process loading its modules on a busy machine can take seconds, and must
     * not be killed while booting. A restarted process that exits is noticed without waiting.
     */
    startup_grace: ms.default(5000),
    /**
     * ms a replica that just became leader waits before restarting anyone: the old leader may be
     * mid-restart, and its restart record (<run>/restarts/) must be seen, so one death gets one restart.
     */
    leader_grace: ms.default(500),
    /** A node that dies again within stable_after ms of a restart waits base·2^(n-2) ms (n deaths in a row), at most max. */
    restart_backoff: z.object({ base: ms.default(500), max: ms.default(30_000), stable_after: ms.default(30_000) }).prefault({}),
    leader_election: z
      .object({
        /** TCP port of this replica's election server. Unset: the cluster's ports.election + replica index. */
        port: z.number().int().min(1).max(65535).optional(),
        /** ms between checks that the leader is alive. */
        interval: ms.default(500),
        /** ms to wait for a peer's reply (a frozen peer accepts connections but never answers). */
        timeout: ms.default(1000),
        /** `host:port` of each replica's election server, by index; empty: derived from the cluster config. */
        peers: z.array(z.string().regex(/^[^:\s]+:\d+$/)).default([]),
      })
      .prefault({}),
  })
  .refine((c) => c.timeout_interval > c.check_interval, { message: 'timeout_interval must be greater than check_interval' });
export type EggConfig = z.infer<typeof EggConfigSchema>;

export function loadEggConfig(env: NodeJS.ProcessEnv = process.env): Readonly<EggConfig> {
  return loadConfig(EggConfigSchema, componentConfigFile('egg-of-life'), env);
}
