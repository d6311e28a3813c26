import { parseFlags } from './flags.js';
import { NODE_KINDS, type NodeKind } from '../../node/config/cluster.js';
import { UsageError } from '../../node/errors.js';
import { startNode } from '../../node/runtime.js';
import type { NodeContext } from '../../node/context.js';

/** Each node kind's main, loaded on demand. */
export const MAINS: Record<NodeKind, () => Promise<(ctx: NodeContext) => Promise<void>>> = {
  'egg-of-life': async () => (await import('../../egg-of-life/main.js')).main,
  controller: async () => (await import('../../controller/main.js')).main,
  gateway: async () => (await import('../../gateway/main.js')).main,
  'tx-filter': async () => (await import('../../workers/tx-filter/main.js')).main,
  'item-filter': async () => (await import('../../workers/item-filter/main.js')).main,
  'q1-sort': async () => (await import('../../workers/q1-sort/main.js')).main,
  'q2-agg': async () => (await import('../../workers/q2-agg/main.js')).main,
  'q3-agg': async () => (await import('../../workers/q3-agg/main.js')).main,
  'q4-count': async () => (await import('../../workers/q4-count/main.js')).main,
  'q4-top': async () => (await import('../../workers/q4-top/main.js')).main,
};

/** `coffee-analysis node <kind> --index N`: one node of the cluster, in this process. */
export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags('node', {
    args: argv,
    options: { index: { type: 'string', default: '0' } },
    allowPositionals: true,
  });
  const kind = positionals[0] as NodeKind | undefined;
  if (!kind || !NODE_KINDS.includes(kind)) throw new UsageError(`node: kind must be one of ${NODE_KINDS.join(', ')}`);
  const index = Number(values.index);
  if (!Number.isInteger(index) || index < 0) throw new UsageError('node: --index must be a non-negative integer');
  const main = await MAINS[kind]();
  const ctx = startNode({ kind, index });
  await main(ctx);
  // Nodes run until a signal; main() resolves once the node is set up.
  return new Promise<number>(() => undefined);
}
