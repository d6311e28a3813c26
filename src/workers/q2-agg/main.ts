import type { NodeContext } from '../../node/context.js';
import { startPartitioned } from '../runtime/start.js';
import { q2AggLogic } from './logic.js';

/** q2-agg: partitioned by month; best-selling and most-profitable item per month. */
export function main(ctx: NodeContext): Promise<void> {
  return startPartitioned(ctx, 'q2-agg', q2AggLogic);
}
