import type { NodeContext } from '../../node/context.js';
import { Broker } from '../../node/middleware/broker.js';
import { Topology } from '../../node/middleware/topology.js';
import { loadWorkerConfig, type WorkerConfig } from './config.js';

export interface WorkerEnv {
  broker: Broker;
  topology: Topology;
  config: Readonly<WorkerConfig>;
  stateDir: string;
}

/** What every worker kind does first: config, broker connection, the shared queues declared. */
export async function connectWorker(ctx: NodeContext): Promise<WorkerEnv> {
  const config = loadWorkerConfig();
  const topology = new Topology(ctx.cluster);
  const broker = await Broker.connect(ctx.cluster.middleware.address, ctx.log, ctx.id);
  await broker.declareQueues(topology.allSharedQueues());
  ctx.onShutdown(() => broker.close());
  return { broker, topology, config, stateDir: config.storage.path || ctx.stateDir };
}
