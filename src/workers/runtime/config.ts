import { z } from 'zod';
import { loadConfig } from '../../common/config/load.js';
import { componentConfigFile } from '../../common/config/paths.js';

export const WorkerConfigSchema = z.object({
  middleware: z.object({ address: z.string().default('amqp://guest:guest@localhost:5672/') }).prefault({}),
  /** Unacked messages the broker may push to one replica (measured: see README, Performance). */
  prefetch: z.number().int().min(1).max(10_000).default(32),
  /** Messages handled at once (<= prefetch). */
  concurrency: z.number().int().min(1).max(10_000).default(16),
  storage: z.object({ path: z.string().default('') }).prefault({}),
  log: z.object({ level: z.string().default('info') }).prefault({}),
});
export type WorkerConfig = z.infer<typeof WorkerConfigSchema>;

export function loadWorkerConfig(): Readonly<WorkerConfig> {
  return loadConfig(WorkerConfigSchema, componentConfigFile('workers'));
}
