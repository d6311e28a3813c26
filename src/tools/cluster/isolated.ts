import { writeFileSync } from 'node:fs';
import { stringify } from 'yaml';
import type { ClusterConfig } from '../../node/config/cluster.js';
import { Broker } from '../../node/middleware/broker.js';
import { Topology } from '../../node/middleware/topology.js';
import { createLogger } from '../../node/log.js';

/**
 * A cluster of its own next to any other on the machine and broker (tests, the benchmark):
 * `base` with its own queue prefix, run folder and ports, written to `file` for its nodes.
 */
export function writeIsolatedClusterConfig(
  file: string,
  base: Readonly<ClusterConfig>,
  own: { name: string; runDir: string; ports: ClusterConfig['ports'] },
): ClusterConfig {
  const config: ClusterConfig = {
    ...base,
    name: own.name,
    run_dir: own.runDir,
    ports: { ...own.ports },
    replicas: { ...base.replicas },
    middleware: { ...base.middleware },
    heartbeat: { ...base.heartbeat },
    log: { ...base.log },
  };
  writeFileSync(file, stringify(config));
  return config;
}

/** Deletes a cluster's shared queues from the broker (they are durable and outlive it). */
export async function deleteSharedQueues(config: Readonly<ClusterConfig>): Promise<void> {
  const broker = await Broker.connect(config.middleware.address, createLogger('cleanup', 'silent'), `${config.name}-cleanup`);
  try {
    for (const q of new Topology(config).allSharedQueues()) await broker.deleteQueue(q).catch(() => undefined);
  } finally {
    await broker.close();
  }
}
