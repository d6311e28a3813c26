import type { InMessage } from '../../node/middleware/broker.js';
import { partitionOf, type Topology } from '../../node/middleware/topology.js';
import { ColumnScratch, decodeBatch, TextRowReader } from '../../dataset/batch-codec.js';
import { BatchDecodeError } from '../../node/errors.js';
import { inQueryPeriod, inHourWindow, Q1_MIN_FINAL_AMOUNT_CENTS } from '../../queries/rules.js';
import { Q1RowsWriter } from '../../protocol/payloads/q1-rows.js';
import { encodeTuples, type Q3Partial } from '../../protocol/payloads/json.js';
import { routedId } from '../../protocol/internal/ids.js';
import type { InternalMessageType } from '../../protocol/internal/messages.js';
import type { Emit } from '../runtime/emit.js';
import { metricsIfEnabled } from '../../node/metrics.js';
import type { StatelessHandler } from '../runtime/stateless.js';
import { StoreUserCounts } from './store-user-counts.js';
import { StoreHalfSums } from './store-half-sums.js';

export function txFilterLogic(topology: Topology): StatelessHandler {
  // Per node, reused for each batch: one Q4 table per q4-count partition, the Q3 sums, the decoded columns.
  const q4 = Array.from({ length: topology.partitions('q4-count') }, () => new StoreUserCounts());
  const q3 = new StoreHalfSums();
  const columns = new ColumnScratch();
  return (msg) => filterTransactions(msg, topology, q4, columns, q3);
}

/**
 * Filters a batch of transactions and pre-aggregates it, so only small partial states cross
 * the broker: Q1 rows (years, hour window, >= 75) sharded by transaction id; Q3 sums per
 * (half, store) sharded by store; Q4 purchase counts per (store, user) sharded by user.
 * One input yields at most one message per destination partition, with id `routedId(input, stage, p)`.
 */
export function filterTransactions(
  msg: InMessage,
  topology: Topology,
  q4 = Array.from({ length: topology.partitions('q4-count') }, () => new StoreUserCounts()),
  columns?: ColumnScratch,
  q3 = new StoreHalfSums(),
): Emit[] {
  const batch = decodeBatch(msg.body, columns);
  if (batch.table !== 'transactions') throw new BatchDecodeError(`tx-filter got a ${batch.table} batch`);
  const p1 = topology.partitions('q1-sort');
  const p3 = topology.partitions('q3-agg');
  const p4 = topology.partitions('q4-count');
  const q1 = Array.from({ length: p1 }, () => new Q1RowsWriter());
  if (q4.length !== p4) throw new RangeError(`tx-filter: ${q4.length} Q4 tables for ${p4} q4-count partitions`);
  for (const counts of q4) counts.reset();
  q3.reset();

  const q1Of = partitionOf['q1-sort'];
  const q3Of = partitionOf['q3-agg'];
  const q4Of = partitionOf['q4-count'];
  let dropped = 0;
  const { count, storeId, userId, finalAmountCents, createdAt } = batch;
  // Only the Q1 rows need their id: read one at a time, not the whole column expanded.
  const ids = new TextRowReader(batch);
  for (let i = 0; i < count; i++) {
    const ts = createdAt[i];
    if (!inQueryPeriod(ts)) {
      dropped++;
      continue;
    }
    const store = storeId[i];
    const user = userId[i];
    if (user >= 0) q4[q4Of(user, p4)].add(store, user);
    if (!inHourWindow(ts)) continue;
    const cents = finalAmountCents[i];
    q3.add(store, ts, cents);
    if (cents >= Q1_MIN_FINAL_AMOUNT_CENTS) {
      ids.at(i);
      // The gateway rejects a batch that leaves out a needed id (batch-validate.ts); never report an empty one.
      if (ids.end === ids.start) throw new BatchDecodeError(`row ${i}: transaction_id missing on a Q1 row`);
      q1[q1Of(ids.bytes, ids.start, ids.end, p1)].add(ids.bytes, ids.start, ids.end, cents);
    }
  }

  metricsIfEnabled()?.rowsFiltered.inc({ table: 'transactions' }, dropped);
  const out: Emit[] = [];
  const emit = (stage: 'q1-sort' | 'q3-agg' | 'q4-count', p: number, type: InternalMessageType, body: Buffer): void => {
    out.push({ stage, queue: topology.stageQueue(stage, p), type, id: routedId(msg.id, stage, p), session: msg.session, body });
  };
  q1.forEach((w, p) => {
    if (w.rows > 0) emit('q1-sort', p, 'q1-rows', w.finish());
  });
  const q3Parts: Q3Partial[][] = Array.from({ length: p3 }, () => []);
  q3.forEach((part) => q3Parts[q3Of(part[1], p3)].push(part));
  q3Parts.forEach((rows, p) => {
    if (rows.length > 0) emit('q3-agg', p, 'q3-partial', encodeTuples(rows));
  });
  q4.forEach((counts, p) => {
    if (counts.size > 0) emit('q4-count', p, 'q4-counts', counts.encode());
  });
  return out;
}
