import path from 'node:path';
import { NODE_KINDS, WORKER_KINDS, nodeId, type ClusterConfig, type NodeKind } from '../../node/config/cluster.js';
import { CLI_BIN } from '../../node/config/paths.js';

/** How to start one node: enough for anyone (cluster, Egg of Life) to start it again with the same identity. */
export interface NodeSpec {
  /** `<kind>-<index>`: names the pid file, the log file and the state folder. */
  id: string;
  kind: NodeKind;
  index: number;
  /** argv after `process.execPath`. */
  args: string[];
  /** Set on top of the starter's environment (minus its own `COFFEE__*` overrides). */
  env: Record<string, string>;
  /** CPU priority (nice) above the starter's, 0 to 19: cluster `worker_nice` for workers. Absent: 0. */
  nice?: number;
}

/**
 * One spec per replica of every kind, in NODE_KINDS order (Egg of Life first). A node learns
 * everything cluster-wide (broker, ports, heartbeats, log level) from the cluster config the
 * spec names, and derives its own ports from its index, so no per-replica overrides are needed.
 */
export function buildNodeSpecs(cluster: ClusterConfig, configFile: string): NodeSpec[] {
  const specs: NodeSpec[] = [];
  const base = { COFFEE_CLUSTER_CONFIG: path.resolve(configFile) };
  for (const kind of NODE_KINDS) {
    for (let i = 0; i < cluster.replicas[kind]; i++) {
      const env: Record<string, string> = { ...base };
      const nice = (WORKER_KINDS as readonly string[]).includes(kind) ? cluster.worker_nice : 0;
      specs.push({ id: nodeId(kind, i), kind, index: i, args: [CLI_BIN, 'node', kind, '--index', String(i)], env, nice });
    }
  }
  return specs;
}
