import { z } from 'zod';
import { loadConfig } from '../node/config/load.js';
import { componentConfigFile } from '../node/config/paths.js';

/** The controller's local tuning (src/controller/config.yaml); broker and log level are cluster keys. */
export const ControllerConfigSchema = z.object({
  max: z
    .object({
      /** Sessions this controller runs at once; a new one beyond it is refused as busy. */
      clients: z.number().int().min(1).max(10_000).default(16),
      /** Counter messages handled before their group is persisted and acked (the prefetch). */
      unacked_counters: z.number().int().min(1).max(100_000).default(256),
    })
    .prefault({}),
  session: z
    .object({
      /** A session with no open/counter activity for this long (its client vanished) is cleaned up. */
      idle_timeout: z.number().int().min(1000).default(600_000),
      /** A session that never got a batch (HELLO and vanish) is cleaned up after this long. */
      unused_timeout: z.number().int().min(1000).default(30_000),
    })
    .prefault({}),
  storage: z.object({ path: z.string().default('') }).prefault({}),
});
export type ControllerConfig = z.infer<typeof ControllerConfigSchema>;

export function loadControllerConfig(): Readonly<ControllerConfig> {
  return loadConfig(ControllerConfigSchema, componentConfigFile('controller'));
}
