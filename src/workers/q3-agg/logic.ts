import type { Topology } from '../../node/middleware/topology.js';
import type { PartitionedLogic } from '../runtime/partitioned.js';
import { decodeTuples, encodeTuples, type Q3Partial, type Q3ResultRow } from '../../protocol/payloads/json.js';
import { FirstSeenTable, joinReference } from '../runtime/reference-join.js';
import { resultEmit } from '../runtime/results.js';
import { halfLabel } from '../../queries/rules.js';

export interface Q3State {
  /** half -> store -> cents */
  tpv: Map<number, Map<number, number>>;
  /** store id -> store name (stores, broadcast) */
  stores: FirstSeenTable<string>;
}

/** Q3 partition (owns stores by id): sums TPV per (half, store); joins store names on EOS. */
export function q3AggLogic(topology: Topology): PartitionedLogic<Q3State> {
  return {
    newState: () => ({ tpv: new Map<number, Map<number, number>>(), stores: new FirstSeenTable<string>() }),
    apply(state, msg) {
      if (joinReference(state.stores, msg, 'stores')) return;
      if (msg.type !== 'q3-partial') return;
      for (const [hk, store, cents] of decodeTuples<Q3Partial>(msg.body, 3, 'q3 partial')) {
        let stores = state.tpv.get(hk);
        if (!stores) state.tpv.set(hk, (stores = new Map<number, number>()));
        stores.set(store, (stores.get(store) ?? 0) + cents);
      }
    },
    finalize(state, { session, partition }) {
      const rows: Q3ResultRow[] = [];
      for (const [hk, stores] of state.tpv)
        for (const [store, cents] of stores) rows.push([halfLabel(hk), store, state.stores.get(store) ?? '', cents]);
      return [resultEmit(topology, session, 'q3', partition, 0, encodeTuples(rows))];
    },
  };
}
