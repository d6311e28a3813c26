import type { InMessage } from '../../node/middleware/broker.js';
import { partitionOf, type Topology } from '../../node/middleware/topology.js';
import { ColumnScratch, decodeBatch } from '../../dataset/batch-codec.js';
import { BatchDecodeError } from '../../node/errors.js';
import { inQueryPeriod, monthKey } from '../../queries/rules.js';
import { encodeTuples, type Q2Partial } from '../../protocol/payloads/json.js';
import { routedId } from '../../protocol/internal/ids.js';
import type { Emit } from '../runtime/emit.js';
import { metricsIfEnabled } from '../../node/metrics.js';
import type { StatelessHandler } from '../runtime/stateless.js';
import { MonthItemSums } from './month-item-sums.js';

export function itemFilterLogic(topology: Topology): StatelessHandler {
  // One per node, reused for each batch.
  const sums = new MonthItemSums();
  const columns = new ColumnScratch();
  return (msg) => filterItems(msg, topology, sums, columns);
}

/**
 * Filters a batch of transaction items to 2024–2025 and sums quantity and subtotal per
 * (month, item); the partial goes to the q2-agg partition owning the month.
 */
export function filterItems(msg: InMessage, topology: Topology, sums = new MonthItemSums(), columns?: ColumnScratch): Emit[] {
  const batch = decodeBatch(msg.body, columns);
  if (batch.table !== 'transaction_items') throw new BatchDecodeError(`item-filter got a ${batch.table} batch`);
  sums.reset();
  let dropped = 0;
  const { count, itemId, quantity, subtotalCents, createdAt } = batch;
  for (let i = 0; i < count; i++) {
    const ts = createdAt[i];
    if (!inQueryPeriod(ts)) {
      dropped++;
      continue;
    }
    sums.add(monthKey(ts), itemId[i], quantity[i], subtotalCents[i]);
  }
  metricsIfEnabled()?.rowsFiltered.inc({ table: 'transaction_items' }, dropped);
  const p2 = topology.partitions('q2-agg');
  const parts: Q2Partial[][] = Array.from({ length: p2 }, () => []);
  sums.forEach((mk, item, qty, cents, rows) => parts[partitionOf['q2-agg'](mk, p2)].push([mk, item, qty, cents, rows]));
  const out: Emit[] = [];
  parts.forEach((rows, p) => {
    if (rows.length === 0) return;
    out.push({
      stage: 'q2-agg',
      queue: topology.stageQueue('q2-agg', p),
      type: 'q2-partial',
      id: routedId(msg.id, 'q2-agg', p),
      session: msg.session,
      body: encodeTuples(rows),
    });
  });
  return out;
}
