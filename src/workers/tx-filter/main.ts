import type { NodeContext } from '../../node/context.js';
import { connectWorker } from '../runtime/start.js';
import { runStateless } from '../runtime/stateless.js';
import { filterTransactions } from './filter.js';

/** tx-filter: stateless, replicas compete on one queue; see filter.ts for what it emits. */
export async function main(ctx: NodeContext): Promise<void> {
  const env = await connectWorker(ctx);
  runStateless({ stage: 'tx-filter', nodeId: ctx.id, log: ctx.log, ...env, handler: (msg) => filterTransactions(msg, env.topology) });
  ctx.log.info('tx-filter ready');
}
