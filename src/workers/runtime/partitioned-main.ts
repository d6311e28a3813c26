import type { NodeContext } from '../../node/context.js';
import type { WorkerKind } from '../../node/config/cluster.js';
import type { Topology } from '../../node/middleware/topology.js';
import { connectWorker } from './start.js';
import { PartitionedWorker, type PartitionedLogic } from './partitioned.js';

/** Starts a partitioned worker kind: replica `ctx.index` owns partition `ctx.index`. */
export async function runPartitioned<S>(
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
