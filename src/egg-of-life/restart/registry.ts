import { readFileSync } from 'node:fs';
import { writeFileAtomic } from '../../node/storage/atomic.js';
import path from 'node:path';
import { z } from 'zod';
import { NODE_KINDS, runDir, type ClusterConfig } from '../../node/config/cluster.js';
import { ConfigError } from '../../node/errors.js';
import type { NodeSpec } from './node-spec.js';

/**
 * `<run>/nodes.json`: every node spec of the running cluster. Written by the cluster at start
 * so the Egg of Life can restart any node (other Egg of Life replicas included) as itself.
 */
export function registryFile(cluster: ClusterConfig): string {
  return path.join(runDir(cluster), 'nodes.json');
}

const SpecSchema = z.object({
  id: z.string().regex(/^[a-z0-9-]{1,64}$/),
  kind: z.enum(NODE_KINDS),
  index: z.number().int().min(0),
  args: z.array(z.string()),
  env: z.record(z.string(), z.string()),
});
const RegistrySchema = z.object({ nodes: z.array(SpecSchema) });

export function writeRegistry(cluster: ClusterConfig, specs: NodeSpec[]): string {
  const file = registryFile(cluster);
  // Atomic: a reader never sees half a registry.
  writeFileAtomic(file, `${JSON.stringify({ nodes: specs }, null, 2)}\n`);
  return file;
}

export function readRegistry(file: string): NodeSpec[] {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new ConfigError(`node registry ${file} cannot be read: ${(err as Error).message}`);
  }
  const parsed = RegistrySchema.safeParse(raw);
  if (!parsed.success) throw new ConfigError(`node registry ${file} is invalid: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
  return parsed.data.nodes;
}
