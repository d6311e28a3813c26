import type { Topology } from '../../node/middleware/topology.js';
import type { PartitionedLogic } from '../runtime/partitioned.js';
import { decodeBatch, stringAt } from '../../dataset/batch-codec.js';
import { decodeTuples, encodeTuples, type Q3Partial, type Q3ResultRow } from '../../protocol/payloads/json.js';
import { NameTable, sourceSeq } from '../runtime/name-table.js';
import { resultEmit } from '../runtime/results.js';
import { halfLabel } from '../../queries/rules.js';

export interface Q3State {
  /** half -> store -> cents */
  tpv: Map<number, Map<number, number>>;
  stores: NameTable;
}

/** Q3 partition (owns stores by id): sums TPV per (half, store); joins store names on EOS. */
export function q3AggLogic(topology: Topology): PartitionedLogic<Q3State> {
  return {
    newState: () => ({ tpv: new Map(), stores: new NameTable() }),
    apply(state, msg) {
      if (msg.type === 'data') {
        const b = decodeBatch(msg.body);
        if (b.table !== 'stores') return;
        const seq = sourceSeq(msg.id);
        for (let i = 0; i < b.count; i++) state.stores.set(b.storeId[i], stringAt(b.nameOffsets, b.nameHeap, i), seq, i);
        return;
      }
      if (msg.type !== 'q3-partial') return;
      for (const [hk, store, cents] of decodeTuples<Q3Partial>(msg.body, 3, 'q3 partial')) {
        let stores = state.tpv.get(hk);
        if (!stores) state.tpv.set(hk, (stores = new Map()));
        stores.set(store, (stores.get(store) ?? 0) + cents);
      }
    },
    finalize(state, { session, partition }) {
      const rows: Q3ResultRow[] = [];
      for (const [hk, stores] of state.tpv)
        for (const [store, cents] of stores) rows.push([halfLabel(hk), store, state.stores.get(store), cents]);
      return [resultEmit(topology, session, 'q3', partition, 0, encodeTuples(rows))];
    },
  };
}
