import type { Topology } from '../../node/middleware/topology.js';
import type { PartitionedLogic } from '../runtime/partitioned.js';
import { decodeTuples, encodeTuples, type Q4Candidate, type Q4ResultRow } from '../../protocol/payloads/json.js';
import { FirstSeenTable, joinReference } from '../runtime/reference-join.js';
import { topK } from '../../queries/top-k.js';
import { Q4_TOP_CUSTOMERS } from '../../queries/rules.js';
import { resultEmit } from '../runtime/results.js';
import { MissingReferenceCounter } from '../../queries/data-quality.js';
import { dataQualityEmit } from '../runtime/data-quality.js';

export interface Q4TopState {
  /** store -> user -> [purchases, birthdate] */
  candidates: Map<number, Map<number, [number, string]>>;
  /** store -> candidates message id -> the sender's purchases at the store (data-quality counts; set, so a redelivery counts once) */
  storeRows: Map<number, Map<string, number>>;
  /** store id -> store name (stores, broadcast) */
  stores: FirstSeenTable<string>;
  /** (store, user) candidates in `candidates` (the groups quota). */
  groups: number;
}

/** Q4 top-K (owns stores by id): the global top 3 per store from the partitions' top 3s. */
export function q4TopLogic(topology: Topology): PartitionedLogic<Q4TopState> {
  return {
    newState: () => ({
      candidates: new Map<number, Map<number, [number, string]>>(),
      storeRows: new Map<number, Map<string, number>>(),
      stores: new FirstSeenTable<string>(),
      groups: 0,
    }),
    usage: (state) => ({ keys: state.groups, referenceKeys: state.stores.size }),
    apply(state, msg) {
      if (joinReference(state.stores, msg, 'stores')) return;
      if (msg.type !== 'q4-candidates') return;
      for (const [store, user, purchases, birthdate, storeRows] of decodeTuples<Q4Candidate>(msg.body, 5, 'q4 candidates')) {
        if (storeRows > 0) {
          let senders = state.storeRows.get(store);
          if (!senders) state.storeRows.set(store, (senders = new Map<string, number>()));
          senders.set(msg.id, storeRows);
        }
        let users = state.candidates.get(store);
        if (!users) state.candidates.set(store, (users = new Map<number, [number, string]>()));
        if (!users.has(user)) state.groups++;
        users.set(user, [purchases, birthdate]);
      }
    },
    finalize(state, { session, partition }) {
      const rows: Q4ResultRow[] = [];
      // Stores missing from stores still get their top customers (data-quality.ts); their rows are counted.
      const missing = new MissingReferenceCounter();
      for (const [store, users] of state.candidates) {
        const name = state.stores.get(store);
        if (name === undefined)
          missing.add(
            store,
            [...(state.storeRows.get(store)?.values() ?? [])].reduce((a, b) => a + b, 0),
          );
        const counts = [...users].map(([user, [purchases]]): [number, number] => [user, purchases]);
        for (const [user, purchases] of topK(counts, Q4_TOP_CUSTOMERS))
          rows.push([store, name ?? '', user, users.get(user)![1], purchases]);
      }
      return [
        resultEmit(topology, session, 'q4', partition, 0, encodeTuples(rows)),
        dataQualityEmit(topology, session, 'q4-top', partition, { q4Stores: missing.result() }),
      ];
    },
  };
}
