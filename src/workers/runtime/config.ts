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

/** Every worker kind's local tuning (src/workers/config.yaml); broker and log level are cluster keys. */
export const WorkerConfigSchema = z.object({
  /** Filters: their inputs are client batches (up to 2 MiB each), so few at a time. */
  stateless: consumption(8, 4),
  /** Partitioned workers: small partial messages; many in flight share one fsync. */
  partitioned: consumption(256, 128),
  storage: z.object({ path: z.string().default('') }).prefault({}),
});
export type WorkerConfig = z.infer<typeof WorkerConfigSchema>;

export function loadWorkerConfig(): Readonly<WorkerConfig> {
  return loadConfig(WorkerConfigSchema, componentConfigFile('workers'));
}
