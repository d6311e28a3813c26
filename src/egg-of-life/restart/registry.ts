import { readFileSync } from 'node:fs';
import { writeFileAtomic } from '../../node/storage/atomic.js';
import path from 'node:path';
import { z } from 'zod';
import { NODE_KINDS, nodeId, runDir, type ClusterConfig } from '../../node/config/cluster.js';
import { REPO_ROOT } from '../../node/config/paths.js';
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
  nice: z.number().int().min(0).max(19).default(0),
});
const RegistrySchema = z.object({ nodes: z.array(SpecSchema) });

export function writeRegistry(cluster: ClusterConfig, specs: NodeSpec[]): string {
  const file = registryFile(cluster);
  // Atomic: a reader never sees half a registry. 0600: it holds each node's environment
  // (AMQP_URL with the broker password).
  writeFileAtomic(file, `${JSON.stringify({ nodes: specs }, null, 2)}\n`, { mode: 0o600 });
  return file;
}

/** Environment keys a spec may set: cluster and component config only (no NODE_OPTIONS, PATH, LD_PRELOAD...). */
const ENV_ALLOWED = /^(COFFEE_CLUSTER_CONFIG|COFFEE_CLUSTER_SECRET|AMQP_URL|LOG_LEVEL|COFFEE__[A-Z0-9_]+|COFFEE_CLUSTER__[A-Z0-9_]+)$/;

/**
 * The Egg of Life runs what the registry says, so the registry may only say "start node
 * `<kind> --index <i>` with this project's code": argv is `[<a .js file of this checkout>,
 * 'node', kind, '--index', index]` and the environment holds only config keys. Anything else
 * (arbitrary binaries or flags, NODE_OPTIONS) is refused: a writable registry must not become
 * a way to run code under the Egg of Life.
 */
export function checkSpec(spec: NodeSpec, root = REPO_ROOT): string | null {
  const [script, ...rest] = spec.args;
  const expected = ['node', spec.kind, '--index', String(spec.index)];
  if (spec.id !== nodeId(spec.kind, spec.index)) return `id ${spec.id} does not match ${spec.kind} --index ${spec.index}`;
  if (typeof script !== 'string' || !script.endsWith('.js')) return `${spec.id}: argv[0] must be a .js file of this project`;
  const rel = path.relative(root, path.resolve(root, script));
  if (rel.startsWith('..') || path.isAbsolute(rel)) return `${spec.id}: ${script} is outside ${root}`;
  if (rest.length !== expected.length || rest.some((a, i) => a !== expected[i]))
    return `${spec.id}: arguments must be ${expected.join(' ')}`;
  const bad = Object.keys(spec.env).find((k) => !ENV_ALLOWED.test(k));
  if (bad !== undefined) return `${spec.id}: environment key ${bad} is not allowed`;
  return null;
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
  for (const spec of parsed.data.nodes) {
    const problem = checkSpec(spec);
    if (problem !== null) throw new ConfigError(`node registry ${file} is refused: ${problem}`);
  }
  return parsed.data.nodes;
}
