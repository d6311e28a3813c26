/**
 * The single-process reference of the four queries (SYSTEM.md): one pass over each table
 * with plain Maps and integer cents. It is the tests' oracle and the benchmark's baseline,
 * so it is kept deliberately plain and independent of the pipeline's workers.
 */

import { forEachRow } from '../../dataset/reader.js';
import type { RejectedRow } from '../../dataset/rows.js';
import { monthIndexOf, monthIndexString, secondsOfDay } from '../../queries/civil-time.js';
import {
  FIRST_QUERY_YEAR,
  HOUR_WINDOW_FIRST_SECOND,
  HOUR_WINDOW_LAST_SECOND,
  LAST_QUERY_YEAR,
  Q1_MIN_FINAL_AMOUNT_CENTS,
  Q4_TOP_CUSTOMERS,
  halfKeyOf,
  halfLabel,
  q2Beats,
  q4RanksBefore,
} from '../../queries/rules.js';
import {
  renderQ1,
  renderQ2BestSelling,
  renderQ2MostProfit,
  renderQ3,
  renderQ4,
  type Q1Row,
  type Q2ProfitRow,
  type Q2QtyRow,
  type Q3Row,
  type Q4Row,
  type ReportName,
} from '../../queries/report-format.js';

/** What one reference run produced. */
export interface ReferenceResult {
  /** Full contents of the five report files. */
  reports: Record<ReportName, string>;
  /** Rows skipped by the parsing rules. */
  rejected: number;
  /** Valid data rows read (all tables). */
  rows: number;
  /** Bytes of all files read. */
  inputBytes: number;
}

export async function computeReference(dataDir: string, options: { onReject?: (r: RejectedRow) => void } = {}): Promise<ReferenceResult> {
  let rejected = 0;
  let rows = 0;
  let inputBytes = 0;
  const onReject = (r: RejectedRow): void => {
    options.onReject?.(r);
  };
  const tally = (s: { rows: number; rejected: number; inputBytes: number }): void => {
    rows += s.rows;
    rejected += s.rejected;
    inputBytes += s.inputBytes;
  };

  // Reference data: the first occurrence of an id wins.
  const storeNames = new Map<number, string>();
  tally(
    await forEachRow(
      dataDir,
      'stores',
      (r) => {
        if (!storeNames.has(r.storeId)) storeNames.set(r.storeId, r.storeName());
      },
      onReject,
    ),
  );
  const itemNames = new Map<number, string>();
  tally(
    await forEachRow(
      dataDir,
      'menu_items',
      (r) => {
        if (!itemNames.has(r.itemId)) itemNames.set(r.itemId, r.itemName());
      },
      onReject,
    ),
  );
  const birthdates = new Map<number, string>();
  tally(
    await forEachRow(
      dataDir,
      'users',
      (r) => {
        if (!birthdates.has(r.userId)) birthdates.set(r.userId, r.birthdate());
      },
      onReject,
    ),
  );

  // Transactions: Q1, Q3, Q4.
  const q1: Q1Row[] = [];
  // Q3 sums per store: [cents of 2024-H1, 2024-H2, 2025-H1, 2025-H2, then 4 row counts].
  const tpv = new Map<number, number[]>();
  const purchases = new Map<number, Map<number, number>>(); // store -> user -> count
  tally(
    await forEachRow(
      dataDir,
      'transactions',
      (t) => {
        const m = monthIndexOf(t.createdAt); // year * 12 + month - 1
        const year = Math.floor(m / 12);
        if (year < FIRST_QUERY_YEAR || year > LAST_QUERY_YEAR) return;
        if (t.userId >= 0) {
          let users = purchases.get(t.storeId);
          if (users === undefined) {
            users = new Map();
            purchases.set(t.storeId, users);
          }
          users.set(t.userId, (users.get(t.userId) ?? 0) + 1);
        }
        const sod = secondsOfDay(t.createdAt);
        if (sod < HOUR_WINDOW_FIRST_SECOND || sod > HOUR_WINDOW_LAST_SECOND) return;
        if (t.finalAmountCents >= Q1_MIN_FINAL_AMOUNT_CENTS) q1.push({ transactionId: t.transactionId(), cents: t.finalAmountCents });
        const slot = (year - FIRST_QUERY_YEAR) * 2 + (m % 12 < 6 ? 0 : 1);
        let acc = tpv.get(t.storeId);
        if (acc === undefined) {
          acc = [0, 0, 0, 0, 0, 0, 0, 0];
          tpv.set(t.storeId, acc);
        }
        acc[slot] += t.finalAmountCents;
        acc[slot + 4]++;
      },
      onReject,
    ),
  );

  // Transaction items: Q2, per month index.
  const qtyByMonth = new Map<number, Map<number, number>>(); // month -> item -> qty
  const centsByMonth = new Map<number, Map<number, number>>(); // month -> item -> cents
  tally(
    await forEachRow(
      dataDir,
      'transaction_items',
      (it) => {
        const m = monthIndexOf(it.createdAt);
        const year = Math.floor(m / 12);
        if (year < FIRST_QUERY_YEAR || year > LAST_QUERY_YEAR) return;
        let q = qtyByMonth.get(m);
        let c = centsByMonth.get(m);
        if (q === undefined || c === undefined) {
          q = new Map();
          c = new Map();
          qtyByMonth.set(m, q);
          centsByMonth.set(m, c);
        }
        q.set(it.itemId, (q.get(it.itemId) ?? 0) + it.quantity);
        c.set(it.itemId, (c.get(it.itemId) ?? 0) + it.subtotalCents);
      },
      onReject,
    ),
  );

  // Q2: best item per month (the tie rule is q2Beats).
  const best = (m: Map<number, number>): [number, number] => {
    let bestItem = -1;
    let bestValue = 0;
    for (const [item, v] of m) {
      if (bestItem < 0 || q2Beats(item, v, bestItem, bestValue)) {
        bestItem = item;
        bestValue = v;
      }
    }
    return [bestItem, bestValue];
  };
  const q2Qty: Q2QtyRow[] = [];
  const q2Profit: Q2ProfitRow[] = [];
  for (const [m, q] of qtyByMonth) {
    const ym = monthIndexString(m);
    const [qi, qv] = best(q);
    q2Qty.push({ yearMonth: ym, itemName: itemNames.get(qi) ?? '', qty: qv });
    const [ci, cv] = best(centsByMonth.get(m)!);
    q2Profit.push({ yearMonth: ym, itemName: itemNames.get(ci) ?? '', cents: cv });
  }

  // Q3.
  const q3: Q3Row[] = [];
  for (const [storeId, acc] of tpv) {
    for (let slot = 0; slot < 4; slot++) {
      if (acc[slot + 4] === 0) continue;
      const half = halfLabel(halfKeyOf(FIRST_QUERY_YEAR + (slot >> 1), (slot & 1) * 6 + 1));
      q3.push({ half, storeName: storeNames.get(storeId) ?? '', storeId, cents: acc[slot] });
    }
  }

  // Q4: the top customers per store by count desc, then user_id asc.
  const q4: Q4Row[] = [];
  for (const [storeId, users] of purchases) {
    const top: [number, number][] = []; // [userId, count], kept sorted, at most Q4_TOP_CUSTOMERS
    for (const [userId, count] of users) {
      if (top.length === Q4_TOP_CUSTOMERS) {
        const last = top[Q4_TOP_CUSTOMERS - 1];
        if (!q4RanksBefore(userId, count, last[0], last[1])) continue;
      }
      let k = top.length;
      while (k > 0 && q4RanksBefore(userId, count, top[k - 1][0], top[k - 1][1])) k--;
      top.splice(k, 0, [userId, count]);
      if (top.length > Q4_TOP_CUSTOMERS) top.pop();
    }
    const storeName = storeNames.get(storeId) ?? '';
    for (const [userId, count] of top) q4.push({ storeName, storeId, userId, birthdate: birthdates.get(userId) ?? '', purchases: count });
  }

  const reports: Record<ReportName, string> = {
    q1: renderQ1(q1),
    q2BestSelling: renderQ2BestSelling(q2Qty),
    q2MostProfit: renderQ2MostProfit(q2Profit),
    q3: renderQ3(q3),
    q4: renderQ4(q4),
  };
  return { reports, rejected, rows, inputBytes };
}
