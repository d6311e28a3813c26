import type { NodeContext } from '../../node/context.js';
import { runPartitioned } from '../runtime/partitioned-main.js';
import { q4CountLogic } from './logic.js';

/** q4-count: partitioned by user; purchases per (store, user) and the users' birthdates. */
export async function main(ctx: NodeContext): Promise<void> {
  await runPartitioned(ctx, 'q4-count', q4CountLogic);
}
