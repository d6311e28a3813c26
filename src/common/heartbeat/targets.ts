import type { ClusterConfig } from '../config/cluster.js';
import { eggPorts } from '../config/cluster.js';
import type { HeartbeatTarget } from './sender.js';

/** The UDP addresses of every Egg of Life replica of the local cluster. */
export function eggTargets(cluster: ClusterConfig, host = '127.0.0.1'): HeartbeatTarget[] {
  const out: HeartbeatTarget[] = [];
  for (let i = 0; i < cluster.replicas['egg-of-life']; i++) out.push({ host, port: eggPorts(cluster, i).udp });
  return out;
}
