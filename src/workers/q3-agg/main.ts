import type { NodeContext } from '../../node/context.js';
import { startPartitioned } from '../runtime/start.js';
import { q3AggLogic } from './logic.js';

/** q3-agg: partitioned by store; TPV per half year and store. */
export function main(ctx: NodeContext): Promise<void> {
  return startPartitioned(ctx, 'q3-agg', q3AggLogic);
}
