import type { ClusterConfig } from '../config/cluster.js';
import { eggPorts } from '../config/cluster.js';
import type { HeartbeatTarget } from './sender.js';

/** The UDP addresses of every Egg of Life replica of the cluster (`heartbeat.hosts[i]` or `heartbeat.host`, `ports.heartbeat` + i). */
export function eggTargets(cluster: ClusterConfig): HeartbeatTarget[] {
  const hosts = cluster.heartbeat.hosts;
  if (hosts.length > 0)
    return eggTargetsAt(cluster.heartbeat.host, eggPorts(cluster, 0).udp, cluster.replicas['egg-of-life']).map((t, i) => ({
      ...t,
      host: hosts[i] ?? t.host,
    }));
  return eggTargetsAt(cluster.heartbeat.host, eggPorts(cluster, 0).udp, cluster.replicas['egg-of-life']);
}

/** Replica i of the Egg of Life listens on `basePort + i` of `host`. */
export function eggTargetsAt(host: string, basePort: number, replicas: number): HeartbeatTarget[] {
  return Array.from({ length: replicas }, (_, i) => ({ host, port: basePort + i }));
}
