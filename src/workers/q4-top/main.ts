import type { NodeContext } from '../../node/context.js';
import { runPartitioned } from '../runtime/partitioned-main.js';
import { q4TopLogic } from './logic.js';

/** q4-top: partitioned by store; the top 3 customers of each store, names joined. */
export async function main(ctx: NodeContext): Promise<void> {
  await runPartitioned(ctx, 'q4-top', q4TopLogic);
}
