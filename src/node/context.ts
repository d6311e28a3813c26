import type { ClusterConfig, NodeKind } from './config/cluster.js';
import type { Logger } from './log.js';
import type { HeartbeatTarget } from './heartbeat/sender.js';

/** What every node main receives: who it is, the cluster it belongs to, where its state lives. */
export interface NodeContext {
  kind: NodeKind;
  index: number;
  /** `<kind>-<index>`: stable across restarts, names the state folder and the pid file. */
  id: string;
  cluster: Readonly<ClusterConfig>;
  /** This node's own state folder (created). */
  stateDir: string;
  log: Logger;
  /** Sends this node's heartbeats to other Egg of Life addresses / at another interval. */
  retargetHeartbeat(targets: HeartbeatTarget[], intervalMs: number): void;
  /** Registers a clean-up step run (in reverse order) on SIGTERM/SIGINT before exit. */
  onShutdown(step: () => Promise<void> | void): void;
}
