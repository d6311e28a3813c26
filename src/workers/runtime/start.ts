import type { NodeContext } from '../../node/context.js';
import type { WorkerKind } from '../../node/config/cluster.js';
import { connectNodeBroker } from '../../node/middleware/node-broker.js';
import type { Broker } from '../../node/middleware/broker.js';
import { Topology } from '../../node/middleware/topology.js';
import { loadWorkerConfig, type WorkerConfig } from './config.js';
import { runStateless, type StatelessHandler } from './stateless.js';
import { PartitionedWorker, type PartitionedLogic } from './partitioned.js';

/**
 * How every worker kind starts: its `main.ts` names the kind, its runtime (stateless or
 * partitioned) and its logic, and calls one of these.
 */

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
  const broker = await connectNodeBroker(ctx);
  await broker.declareQueues(topology.allSharedQueues());
  ctx.onShutdown(() => broker.close());
  return { broker, topology, config, stateDir: config.storage.path || ctx.stateDir };
}

/** Starts a stateless worker kind: replicas compete on the stage's one queue. */
export async function startStateless(
  ctx: NodeContext,
  stage: WorkerKind,
  makeHandler: (topology: Topology) => StatelessHandler,
): Promise<void> {
  const env = await connectWorker(ctx);
  runStateless({ stage, nodeId: ctx.id, log: ctx.log, ...env, handler: makeHandler(env.topology) });
  ctx.log.info(`${stage} ready`);
}

/** Starts a partitioned worker kind: replica `ctx.index` owns partition `ctx.index`. */
export async function startPartitioned<S>(
  ctx: NodeContext,
  stage: WorkerKind,
  makeLogic: (topology: Topology) => PartitionedLogic<S>,
): Promise<void> {
  const env = await connectWorker(ctx);
  const worker = new PartitionedWorker({
    stage,
    partition: ctx.index,
    nodeId: ctx.id,
    log: ctx.log,
    logic: makeLogic(env.topology),
    ...env,
  });
  worker.start();
  ctx.log.info({ partition: ctx.index }, `${stage} started`);
}
