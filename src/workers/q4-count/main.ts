import type { NodeContext } from '../../node/context.js';
import { startPartitioned } from '../runtime/start.js';
import { q4CountLogic } from './logic.js';

/** q4-count: partitioned by user; purchases per (store, user) and the users' birthdates. */
export function main(ctx: NodeContext): Promise<void> {
  return startPartitioned(ctx, 'q4-count', q4CountLogic);
}
