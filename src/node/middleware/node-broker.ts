import type { NodeContext } from '../context.js';
import type { ClusterConfig } from '../config/cluster.js';
import { Broker, type BrokerOptions } from './broker.js';
import { Topology } from './topology.js';

/** The cluster's middleware settings as broker options (queue type, patience, single-consumer queues). */
export function clusterBrokerOptions(cluster: Readonly<ClusterConfig>): BrokerOptions {
  return {
    timeoutMs: cluster.middleware.patience,
    queueType: cluster.middleware.queue_type,
    patienceMs: cluster.middleware.patience,
    singleConsumer: new Set(new Topology(cluster).singleConsumerQueues()),
  };
}

/**
 * A node's broker connection, with the cluster's middleware settings: any node of the address
 * list, the queue type, and `middleware.patience` both for the first connection (a node
 * restarted while the broker is down waits for it) and for a loss later on. When patience runs
 * out the node logs why and exits non-zero: the Egg of Life restarts it, and it waits again.
 */
export function connectNodeBroker(ctx: NodeContext, address = ctx.cluster.middleware.address): Promise<Broker> {
  return Broker.connect(address, ctx.log, ctx.id, {
    ...clusterBrokerOptions(ctx.cluster),
    onPatienceExhausted: (err) => {
      ctx.log.fatal({ code: err.code }, err.message);
      process.exit(1);
    },
  });
}
