import net from 'node:net';
import path from 'node:path';
import { startLocalCluster, type LocalCluster } from '../cluster/local-cluster.js';
import { gatewayPorts, loadClusterConfig, type ClusterConfig } from '../../node/config/cluster.js';
import { deleteSharedQueues, writeIsolatedClusterConfig } from '../cluster/isolated.js';
import { CoffeeError, ErrorCode } from '../../node/errors.js';
import { Broker } from '../../node/middleware/broker.js';
import { createLogger } from '../../node/log.js';

/** Far from the defaults (8080/7777/7800) and from the e2e tests' range, so nothing collides. */
export const BENCH_PORTS = { gateway: 28080, heartbeat: 28777, election: 28800, dashboard: 28090 } as const;
export const BENCH_NAME = 'bench';

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

export interface BenchCluster {
  cluster: LocalCluster;
  config: ClusterConfig;
  /** Stops every node and deletes the bench queues from the broker. */
  stop(): Promise<void>;
}

/** Starts the benchmark's own local cluster (silent) in `dir` and waits until it serves clients. */
export async function startBenchCluster(dir: string): Promise<BenchCluster> {
  // The user's cluster config (replicas, heartbeat, log level) with its own prefix, folder and ports.
  const configFile = path.join(dir, 'cluster.yaml');
  const config = writeIsolatedClusterConfig(configFile, loadClusterConfig(), {
    name: BENCH_NAME,
    runDir: path.join(dir, 'run'),
    ports: { ...BENCH_PORTS },
  });
  // Fails fast with BrokerUnreachableError, instead of a cluster that never gets ready.
  await Broker.probe(config.middleware.address, createLogger('bench', 'silent'));
  for (let i = 0; i < config.replicas.gateway; i++) {
    const { port } = gatewayPorts(config, i);
    if (!(await portFree(port)))
      throw new CoffeeError(
        ErrorCode.BENCH_BUSY,
        `port ${port} is in use: is another benchmark running? (the bench cluster uses ports ${BENCH_PORTS.gateway}+)`,
      );
  }
  // Leftovers of an interrupted benchmark would otherwise be consumed by this one.
  await deleteSharedQueues(config);
  // The nodes take the broker address from the cluster config written above.
  const cluster = await startLocalCluster({ configFile, output: 'silent' });
  const stop = async (): Promise<void> => {
    await cluster.stop();
    await deleteSharedQueues(config).catch(() => undefined);
  };
  try {
    await cluster.waitReady(60_000);
  } catch (err) {
    await stop();
    throw err;
  }
  return { cluster, config: cluster.config, stop };
}
