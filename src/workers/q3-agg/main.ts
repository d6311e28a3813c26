import type { NodeContext } from '../../node/context.js';
import { runPartitioned } from '../runtime/partitioned-main.js';
import { q3AggLogic } from './logic.js';

/** q3-agg: partitioned by store; TPV per half year and store. */
export async function main(ctx: NodeContext): Promise<void> {
  await runPartitioned(ctx, 'q3-agg', q3AggLogic);
}
