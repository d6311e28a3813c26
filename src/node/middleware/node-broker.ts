import type { NodeContext } from '../context.js';
import type { ClusterConfig } from '../config/cluster.js';
import { Broker, type BrokerOptions } from './broker.js';
import { Topology } from './topology.js';
import { reportSessionFault } from '../session-fault.js';
import { ErrorCode } from '../errors.js';

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
export async function connectNodeBroker(ctx: NodeContext, address = ctx.cluster.middleware.address): Promise<Broker> {
  const topology = new Topology(ctx.cluster);
  const broker: Broker = await Broker.connect(address, ctx.log, ctx.id, {
    ...clusterBrokerOptions(ctx.cluster),
    // A poison message fails its session at once, with the cause, instead of leaving the client
    // to wait for the idle timeout. A dead-lettered fault itself reports nothing (no loop).
    onDeadLetter: async ({ msg, deadLetterQueue, failures, error }) => {
      if (msg.type === 'fault') return;
      await reportSessionFault(broker, topology, ctx.id, {
        session: msg.session,
        code: ErrorCode.POISON,
        message:
          `could not process a ${msg.type} message of this session (${failures} attempts; ${error.slice(0, 300)}); ` +
          `it was moved to ${deadLetterQueue} for inspection. The session was failed: check the input, then run it again`,
      });
    },
    onPatienceExhausted: (err) => {
      ctx.log.fatal({ code: err.code }, err.message);
      process.exit(1);
    },
  });
  return broker;
}
