import { z } from 'zod';
import { loadConfig } from '../../node/config/load.js';
import { componentConfigFile } from '../../node/config/paths.js';

/** prefetch: unacked messages the broker pushes to one replica; concurrency: handled at once. */
function consumption(prefetch: number, concurrency: number) {
  return z
    .object({
      prefetch: z.number().int().min(1).max(10_000).default(prefetch),
      concurrency: z.number().int().min(1).max(10_000).default(concurrency),
    })
    .prefault({});
}

function limit(n: number) {
  return z.number().int().min(1).default(n);
}

/** Every worker kind's local tuning (src/workers/config.yaml); broker and log level are cluster keys. */
export const WorkerConfigSchema = z.object({
  /** Filters: their inputs are client batches (up to ~2 MiB each, packed), so few at a time. */
  stateless: consumption(8, 4),
  /** Partitioned workers: small partial messages; many in flight share one fsync. */
  partitioned: consumption(256, 128),
  storage: z.object({ path: z.string().default('') }).prefault({}),
  /**
   * Per-session quotas at each partition (quotas.ts): over one, the session is failed with
   * ERR_QUOTA and its state deleted. Defaults are far above an honest scale-1 run (SECURITY.md).
   */
  quotas: z
    .object({
      /** q1-sort: rows kept per session and partition (scale 1: ~0.3 M in all). */
      q1_rows: limit(20_000_000),
      /** q4-count: (store, user) pairs per session and partition (scale 1: ~1.4 M in all). */
      q4_pairs: limit(10_000_000),
      /** q2-agg (month, item), q3-agg (half, store), q4-top (store, user) candidates per session and partition (honest: a few hundred). */
      groups: limit(1_000_000),
      /** Reference rows kept for joins (stores, menu items, the partition's users) per session and partition (scale 1: 0.5 M users). */
      reference_keys: limit(10_000_000),
      /** Bytes of a session's state log per partition; bounds disk and replay time (scale 1: ~130 MB at q4-count with one partition). */
      log_bytes: limit(1024 * 1024 * 1024),
    })
    .prefault({}),
});
export type WorkerConfig = z.infer<typeof WorkerConfigSchema>;

export function loadWorkerConfig(): Readonly<WorkerConfig> {
  return loadConfig(WorkerConfigSchema, componentConfigFile('workers'));
}
