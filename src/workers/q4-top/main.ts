import type { NodeContext } from '../../node/context.js';
import { startPartitioned } from '../runtime/start.js';
import { q4TopLogic } from './logic.js';

/** q4-top: partitioned by store; the top 3 customers of each store, names joined. */
export function main(ctx: NodeContext): Promise<void> {
  return startPartitioned(ctx, 'q4-top', q4TopLogic);
}
