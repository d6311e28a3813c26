import type { NodeContext } from '../../common/node/context.js';
import { runPartitioned } from '../shared/partitioned-main.js';
import { q4TopLogic } from './logic.js';

/** q4-top: partitioned by store; the top 3 customers of each store, names joined. */
export async function main(ctx: NodeContext): Promise<void> {
  await runPartitioned(ctx, 'q4-top', q4TopLogic);
}
