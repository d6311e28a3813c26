import type { Topology } from '../../node/middleware/topology.js';
import type { PartitionedLogic } from '../runtime/partitioned.js';
import { decodeTuples, encodeTuples, type Q3Partial, type Q3ResultRow } from '../../protocol/payloads/json.js';
import { FirstSeenTable, joinReference } from '../runtime/reference-join.js';
import { resultEmit } from '../runtime/results.js';
import { halfLabel } from '../../queries/rules.js';
import { MissingReferenceCounter } from '../../queries/data-quality.js';
import { dataQualityEmit } from '../runtime/data-quality.js';

export interface Q3State {
  /** half -> store -> [cents, rows] */
  tpv: Map<number, Map<number, [number, number]>>;
  /** store id -> store name (stores, broadcast) */
  stores: FirstSeenTable<string>;
  /** (half, store) groups in `tpv` (the groups quota). */
  groups: number;
}

/** Q3 partition (owns stores by id): sums TPV per (half, store); joins store names on EOS. */
export function q3AggLogic(topology: Topology): PartitionedLogic<Q3State> {
  return {
    newState: () => ({ tpv: new Map<number, Map<number, [number, number]>>(), stores: new FirstSeenTable<string>(), groups: 0 }),
    usage: (state) => ({ keys: state.groups, referenceKeys: state.stores.size }),
    apply(state, msg) {
      if (joinReference(state.stores, msg, 'stores')) return;
      if (msg.type !== 'q3-partial') return;
      for (const [hk, store, cents, n] of decodeTuples<Q3Partial>(msg.body, 4, 'q3 partial')) {
        let stores = state.tpv.get(hk);
        if (!stores) state.tpv.set(hk, (stores = new Map<number, [number, number]>()));
        const acc = stores.get(store);
        if (acc) {
          acc[0] += cents;
          acc[1] += n;
        } else {
          stores.set(store, [cents, n]);
          state.groups++;
        }
      }
    },
    finalize(state, { session, partition }) {
      const rows: Q3ResultRow[] = [];
      // Stores missing from stores still get their TPV row (data-quality.ts); their rows are counted.
      const missing = new MissingReferenceCounter();
      for (const [hk, stores] of state.tpv)
        for (const [store, [cents, n]] of stores) {
          const name = state.stores.get(store);
          if (name === undefined) missing.add(store, n);
          rows.push([halfLabel(hk), store, name ?? '', cents]);
        }
      return [
        resultEmit(topology, session, 'q3', partition, 0, encodeTuples(rows)),
        dataQualityEmit(topology, session, 'q3-agg', partition, { q3Stores: missing.result() }),
      ];
    },
  };
}
