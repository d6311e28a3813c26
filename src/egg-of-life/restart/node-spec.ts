import path from 'node:path';
import { NODE_KINDS, eggPorts, gatewayPorts, nodeId, type ClusterConfig, type NodeKind } from '../../node/config/cluster.js';
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
}

/**
 * One spec per replica of every kind, in NODE_KINDS order (Egg of Life first). Per-kind
 * environment overrides give each replica its own ports, so one component config.yaml serves
 * every replica.
 */
export function buildNodeSpecs(cluster: ClusterConfig, configFile: string): NodeSpec[] {
  const specs: NodeSpec[] = [];
  const base = { COFFEE_CLUSTER_CONFIG: path.resolve(configFile) };
  for (const kind of NODE_KINDS) {
    for (let i = 0; i < cluster.replicas[kind]; i++) {
      const env: Record<string, string> = { ...base };
      if (kind === 'egg-of-life') {
        const p = eggPorts(cluster, i);
        env.COFFEE__PORT = String(p.udp);
        env.COFFEE__LEADER_ELECTION__PORT = String(p.election);
      } else if (kind === 'gateway') {
        const p = gatewayPorts(cluster, i);
        env.COFFEE__PORT = String(p.port);
        env.COFFEE__HEALTHCHECK__PORT = String(p.healthcheck);
        // The gateway's own heartbeat keys (from the seed) must agree with the cluster's.
        env.COFFEE__HEARTBEAT__PORT = String(eggPorts(cluster, 0).udp);
        env.COFFEE__HEARTBEAT__INTERVAL = String(cluster.heartbeat.interval);
      }
      specs.push({ id: nodeId(kind, i), kind, index: i, args: [CLI_BIN, 'node', kind, '--index', String(i)], env });
    }
  }
  return specs;
}
