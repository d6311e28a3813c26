import { z } from 'zod';
import { loadConfig } from '../node/config/load.js';
import { componentConfigFile } from '../node/config/paths.js';

/** The gateway's config: the seed's keys plus a few limits, each with a documented default. */
export const GatewayConfigSchema = z.object({
  port: z.number().int().min(0).max(65535).default(8080),
  healthcheck: z.object({ port: z.number().int().min(0).max(65535).default(8081) }).prefault({}),
  heartbeat: z
    .object({
      host: z.string().default('127.0.0.1'),
      port: z.number().int().min(1).max(65535).default(7777),
      interval: z.number().int().min(10).default(200),
    })
    .prefault({}),
  middleware: z.object({ address: z.string().default('amqp://guest:guest@localhost:5672/') }).prefault({}),
  log: z.object({ level: z.string().default('info') }).prefault({}),
  max_frame_bytes: z
    .number()
    .int()
    .min(1024)
    .default(8 * 1024 * 1024),
  controller_timeout: z.number().int().min(100).default(10_000),
  results_prefetch: z.number().int().min(1).default(32),
});
export type GatewayConfig = z.infer<typeof GatewayConfigSchema>;

export function loadGatewayConfig(): Readonly<GatewayConfig> {
  return loadConfig(GatewayConfigSchema, componentConfigFile('gateway'));
}
