import type { NodeContext } from '../../node/context.js';
import { runPartitioned } from '../runtime/partitioned-main.js';
import { q1SortLogic } from './logic.js';

/** q1-sort: partitioned by transaction-id hash; sorts its shard of Q1 at end of stream. */
export async function main(ctx: NodeContext): Promise<void> {
  await runPartitioned(ctx, 'q1-sort', q1SortLogic);
}
