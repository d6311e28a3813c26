import type { NodeContext } from '../../node/context.js';
import { startStateless } from '../runtime/start.js';
import { txFilterLogic } from './logic.js';

/** tx-filter: stateless, replicas compete on one queue; see logic.ts for what it emits. */
export function main(ctx: NodeContext): Promise<void> {
  return startStateless(ctx, 'tx-filter', txFilterLogic);
}
