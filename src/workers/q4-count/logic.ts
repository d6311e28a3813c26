import { partitionOf, type Topology } from '../../node/middleware/topology.js';
import type { PartitionedLogic } from '../runtime/partitioned.js';
import { forEachQ4Count } from '../../protocol/payloads/q4-counts.js';
import { encodeTuples, type Q4Candidate } from '../../protocol/payloads/json.js';
import { FirstSeenTable, joinReference } from '../runtime/reference-join.js';
import { finalId, routedId } from '../../protocol/internal/ids.js';
import { topK } from '../../queries/top-k.js';
import { Q4_TOP_CUSTOMERS } from '../../queries/rules.js';
import type { Emit } from '../runtime/emit.js';

export interface Q4CountState {
  /** store -> user -> purchases */
  counts: Map<number, Map<number, number>>;
  /** user id -> birthdate, for this partition's users only (users, broadcast) */
  birthdates: FirstSeenTable<string>;
}

/**
 * Q4 partition (owns users by id): counts purchases per (store, user) and keeps the
 * birthdates of its own users (users are broadcast; each partition keeps its share). On EOS
 * it sends each store's local top 3, birthdate joined, to the q4-top partition of the store.
 */
export function q4CountLogic(topology: Topology): PartitionedLogic<Q4CountState> {
  const partitions = topology.partitions('q4-count');
  return {
    newState: () => ({ counts: new Map<number, Map<number, number>>(), birthdates: new FirstSeenTable<string>() }),
    apply(state, msg, { partition }) {
      if (joinReference(state.birthdates, msg, 'users', (user) => partitionOf['q4-count'](user, partitions) === partition)) return;
      if (msg.type !== 'q4-counts') return;
      forEachQ4Count(msg.body, (store, user, count) => {
        let users = state.counts.get(store);
        if (!users) state.counts.set(store, (users = new Map<number, number>()));
        users.set(user, (users.get(user) ?? 0) + count);
      });
    },
    finalize(state, { session, partition }) {
      const pTop = topology.partitions('q4-top');
      const parts: Q4Candidate[][] = Array.from({ length: pTop }, () => []);
      for (const [store, users] of state.counts) {
        for (const [user, purchases] of topK(users, Q4_TOP_CUSTOMERS))
          parts[partitionOf['q4-top'](store, pTop)].push([store, user, purchases, state.birthdates.get(user) ?? '']);
      }
      const out: Emit[] = [];
      parts.forEach((rows, p) => {
        if (rows.length === 0) return;
        out.push({
          stage: 'q4-top',
          queue: topology.stageQueue('q4-top', p),
          type: 'q4-candidates',
          id: routedId(finalId('q4-count', partition), 'q4-top', p),
          session,
          body: encodeTuples(rows),
        });
      });
      return out;
    },
  };
}
