import type { Topology } from '../../node/middleware/topology.js';
import type { PartitionedLogic } from '../runtime/partitioned.js';
import { decodeTuples, encodeTuples, type Q2Partial, type Q2ResultRow } from '../../protocol/payloads/json.js';
import { FirstSeenTable, joinReference } from '../runtime/reference-join.js';
import { resultEmit } from '../runtime/results.js';
import { monthLabel, q2Beats } from '../../queries/rules.js';
import { MissingReferenceCounter } from '../../queries/data-quality.js';
import { dataQualityEmit } from '../runtime/data-quality.js';

export interface Q2State {
  /** month -> item -> [qty, cents, rows] */
  sums: Map<number, Map<number, [number, number, number]>>;
  /** item id -> item name (menu_items, broadcast) */
  items: FirstSeenTable<string>;
  /** (month, item) groups in `sums` (the groups quota). */
  groups: number;
}

/**
 * Q2 partition (owns months by hash): merges per-(month, item) partial sums; on EOS picks
 * per month the best-selling item and the most profitable one (ties: smaller item_id) and
 * joins their names from menu_items (broadcast to every partition).
 */
export function q2AggLogic(topology: Topology): PartitionedLogic<Q2State> {
  return {
    newState: () => ({ sums: new Map<number, Map<number, [number, number, number]>>(), items: new FirstSeenTable<string>(), groups: 0 }),
    usage: (state) => ({ keys: state.groups, referenceKeys: state.items.size }),
    apply(state, msg) {
      if (joinReference(state.items, msg, 'menu_items')) return;
      if (msg.type !== 'q2-partial') return;
      for (const [mk, item, qty, cents, n] of decodeTuples<Q2Partial>(msg.body, 5, 'q2 partial')) {
        let items = state.sums.get(mk);
        if (!items) state.sums.set(mk, (items = new Map<number, [number, number, number]>()));
        const acc = items.get(item);
        if (acc) {
          acc[0] += qty;
          acc[1] += cents;
          acc[2] += n;
        } else {
          items.set(item, [qty, cents, n]);
          state.groups++;
        }
      }
    },
    finalize(state, { session, partition }) {
      const rows: Q2ResultRow[] = [];
      // Items missing from menu_items still rank (data-quality.ts); their rows are counted.
      const missing = new MissingReferenceCounter();
      for (const mk of [...state.sums.keys()].sort((a, b) => a - b)) {
        let qItem = -1,
          qBest = -Infinity,
          pItem = -1,
          pBest = -Infinity;
        for (const [item, [qty, cents, n]] of state.sums.get(mk)!) {
          if (state.items.get(item) === undefined) missing.add(item, n);
          if (q2Beats(item, qty, qItem, qBest)) [qItem, qBest] = [item, qty];
          if (q2Beats(item, cents, pItem, pBest)) [pItem, pBest] = [item, cents];
        }
        rows.push([monthLabel(mk), state.items.get(qItem) ?? '', qBest, state.items.get(pItem) ?? '', pBest]);
      }
      return [
        resultEmit(topology, session, 'q2', partition, 0, encodeTuples(rows)),
        dataQualityEmit(topology, session, 'q2-agg', partition, { q2Items: missing.result() }),
      ];
    },
  };
}
