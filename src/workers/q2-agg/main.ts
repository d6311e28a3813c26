import type { NodeContext } from '../../node/context.js';
import { runPartitioned } from '../runtime/partitioned-main.js';
import { q2AggLogic } from './logic.js';

/** q2-agg: partitioned by month; best-selling and most-profitable item per month. */
export async function main(ctx: NodeContext): Promise<void> {
  await runPartitioned(ctx, 'q2-agg', q2AggLogic);
}
