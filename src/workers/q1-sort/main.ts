import type { NodeContext } from '../../node/context.js';
import { startPartitioned } from '../runtime/start.js';
import { q1SortLogic } from './logic.js';

/** q1-sort: partitioned by transaction-id hash; sorts its shard of Q1 at end of stream. */
export function main(ctx: NodeContext): Promise<void> {
  return startPartitioned(ctx, 'q1-sort', q1SortLogic);
}
