import { partitionOf, type Topology } from '../../node/middleware/topology.js';
import type { PartitionedLogic } from '../runtime/partitioned.js';
import { forEachQ4Count } from '../../protocol/payloads/q4-counts.js';
import { encodeTuples, type Q4Candidate } from '../../protocol/payloads/json.js';
import { FirstSeenTable, joinReference } from '../runtime/reference-join.js';
import { finalId, routedId } from '../../protocol/internal/ids.js';
import { TopK } from '../../queries/top-k.js';
import { Q4_TOP_CUSTOMERS } from '../../queries/rules.js';
import type { Emit } from '../runtime/emit.js';
import { MissingReferenceCounter } from '../../queries/data-quality.js';
import { dataQualityEmit } from '../runtime/data-quality.js';
import { UserCounts } from './user-counts.js';

export interface Q4CountState {
  /** store -> user -> purchases */
  counts: Map<number, UserCounts>;
  /** user id -> birthdate, for this partition's users only (users, broadcast) */
  birthdates: FirstSeenTable<string>;
  /** (store, user) pairs in `counts` (the q4_pairs quota). */
  pairs: number;
}

/**
 * Q4 partition (owns users by id): counts purchases per (store, user) and keeps the
 * birthdates of its own users (users are broadcast; each partition keeps its share). On EOS
 * it sends each store's local top 3, birthdate joined, to the q4-top partition of the store.
 */
export function q4CountLogic(topology: Topology): PartitionedLogic<Q4CountState> {
  const partitions = topology.partitions('q4-count');
  return {
    newState: () => ({ counts: new Map<number, UserCounts>(), birthdates: new FirstSeenTable<string>(), pairs: 0 }),
    usage: (state) => ({ keys: state.pairs, referenceKeys: state.birthdates.size }),
    apply(state, msg, { partition }) {
      if (joinReference(state.birthdates, msg, 'users', (user) => partitionOf['q4-count'](user, partitions) === partition)) return;
      if (msg.type !== 'q4-counts') return;
      // Pairs come grouped by store: the store is looked up once per group.
      let lastStore = -1;
      let users: UserCounts | undefined;
      forEachQ4Count(msg.body, (store, user, count) => {
        if (store !== lastStore || users === undefined) {
          users = state.counts.get(store);
          if (!users) state.counts.set(store, (users = new UserCounts()));
          lastStore = store;
        }
        if (users.add(user, count)) state.pairs++;
      });
    },
    finalize(state, { session, partition }) {
      const pTop = topology.partitions('q4-top');
      const parts: Q4Candidate[][] = Array.from({ length: pTop }, () => []);
      // Users missing from users still rank (data-quality.ts); this partition owns its users, so it counts their rows.
      const missingUsers = new MissingReferenceCounter();
      for (const [store, users] of state.counts) {
        // One pass over the store's users (no entry objects): its rows, the users missing from
        // users, its top 3. Runs once the last input is in, on the way to the report.
        let storeRows = 0;
        const top = new TopK(Q4_TOP_CUSTOMERS);
        users.forEach((purchases, user) => {
          storeRows += purchases;
          if (state.birthdates.get(user) === undefined) missingUsers.add(user, purchases);
          top.offer(user, purchases);
        });
        for (const [user, purchases] of top.best) {
          parts[partitionOf['q4-top'](store, pTop)].push([store, user, purchases, state.birthdates.get(user) ?? '', storeRows]);
          storeRows = 0; // on the store's first candidate only
        }
      }
      const out: Emit[] = [dataQualityEmit(topology, session, 'q4-count', partition, { q4Users: missingUsers.result() })];
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
