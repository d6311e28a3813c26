/**
 * Sales of one normal month: `transactions/transactions_YYYYMM.csv` and
 * `transaction_items/transaction_items_YYYYMM.csv`, written together because each
 * transaction's amounts are the sum of its item rows and both carry the same created_at.
 * Hot loop: no Date objects, no per-field writes; rows are appended to ~1 MB strings.
 */
import { join } from 'node:path';
import { PAD2, type Month } from './months.js';
import { MENU_ITEMS, PAYMENT_METHODS, STORES, VOUCHERS, voucherDiscount } from './catalog.js';
import { deriveRandom, WeightedTable } from './random.js';
import { ByteSink, uuidBytes } from './byte-sink.js';
import { HEADERS, tableFile } from './schema.js';
import {
  GROUP_ORDER_SHARE,
  GROUP_QUANTITY_WEIGHTS,
  GUEST_SHARE,
  HOME_STORE_SHARE,
  HOUR_WEIGHTS,
  NORMAL_MONTHS,
  QUANTITY_WEIGHTS,
  REGULAR_PURCHASE_SHARE,
  REGULAR_SKEW,
  ROWS_PER_TX_WEIGHTS,
  VOUCHER_SHARE,
  WEEKDAY_WEIGHTS,
  transactionsInMonth,
} from './proportions.js';
import { buyersInMonth, type Population } from './users.js';
import { STREAM_SALES } from './streams.js';

/** Extra lines (already formatted) to splice into a month's files after `after` transactions. */
export interface MonthInjection {
  after: number;
  transactions: string;
  items: string;
}

export interface MonthResult {
  transactions: number;
  items: number;
  bytes: number;
}

const HOUR_TABLE = new WeightedTable(HOUR_WEIGHTS);
const ROWS_TABLE = new WeightedTable(ROWS_PER_TX_WEIGHTS);
const QTY_TABLE = new WeightedTable(QUANTITY_WEIGHTS);
const GROUP_QTY_TABLE = new WeightedTable(GROUP_QUANTITY_WEIGHTS);
const STORE_TABLE = new WeightedTable(STORES.map((s) => s.weight));
const PM_TABLE = new WeightedTable(PAYMENT_METHODS.map((p) => p.weight));
const VOUCHER_TABLE = new WeightedTable(VOUCHERS.map((v) => v.weight));
const PRICES = MENU_ITEMS.map((it) => it.price);
const STORE_IDS = STORES.map((s) => s.id);
const PAYMENT_IDS = PAYMENT_METHODS.map((p) => p.id);

/** Item popularity in a month: base weight, a yearly cycle per item, seasonal availability. */
function itemWeights(month: Month, monthIndex: number): number[] {
  const ym = `${month.year}-${PAD2[month.month]}`;
  return MENU_ITEMS.map((it) => {
    if (it.isSeasonal && (ym < it.availableFrom.slice(0, 7) || ym > it.availableTo.slice(0, 7))) return 0;
    return it.weight * (1 + 0.25 * Math.sin((2 * Math.PI * (monthIndex + it.phase)) / 12));
  });
}

export async function writeSalesMonth(
  dir: string,
  seed: number,
  scale: number,
  monthIndex: number,
  pop: Population,
  onBytes: (n: number) => void,
  inject: MonthInjection | undefined,
): Promise<MonthResult> {
  const month = NORMAL_MONTHS[monthIndex];
  const r = deriveRandom(seed, STREAM_SALES, monthIndex);
  const n = transactionsInMonth(scale, monthIndex);
  const dayTable = new WeightedTable(month.weekdays.map((w) => WEEKDAY_WEIGHTS[w]));
  const weights = itemWeights(month, monthIndex);
  const itemTable = new WeightedTable(weights);
  const buyers = buyersInMonth(pop, monthIndex);
  const regulars = pop.regulars;
  const home = pop.homeStore;
  const prefixes = month.dayPrefixes.map((p) => ascii(p));

  const tx = new ByteSink(join(dir, tableFile('transactions', month.key)), onBytes);
  const it = new ByteSink(join(dir, tableFile('transaction_items', month.key)), onBytes);
  tx.text(HEADERS.transactions + '\n');
  it.text(HEADERS.transaction_items + '\n');
  let itemRows = 0;
  const chosen = [0, 0, 0];
  const id = new Uint8Array(36);
  const ts = new Uint8Array(19);

  for (let i = 0; i < n; i++) {
    if (inject !== undefined && i === inject.after) {
      tx.text(inject.transactions);
      it.text(inject.items);
    }
    uuidBytes(r.u32(), r.u32(), r.u32(), r.u32(), id);
    // created_at: cached `YYYY-MM-DD ` prefix of the day, then HH:MM:SS.
    const day = prefixes[dayTable.pick(r)];
    for (let k = 0; k < 11; k++) ts[k] = day[k]!;
    const hour = HOUR_TABLE.pick(r);
    const secs = r.u32() % 3600;
    const minute = (secs / 60) | 0;
    const second = secs % 60;
    ts[11] = 48 + ((hour / 10) | 0);
    ts[12] = 48 + (hour % 10);
    ts[13] = 58;
    ts[14] = 48 + ((minute / 10) | 0);
    ts[15] = 48 + (minute % 10);
    ts[16] = 58;
    ts[17] = 48 + ((second / 10) | 0);
    ts[18] = 48 + (second % 10);

    let store: number;
    let user = 0;
    if (r.float() < GUEST_SHARE) {
      store = STORE_IDS[STORE_TABLE.pick(r)]!;
    } else {
      user = r.float() < REGULAR_PURCHASE_SHARE ? 1 + Math.floor(regulars * Math.pow(r.float(), REGULAR_SKEW)) : 1 + r.int(buyers);
      store = r.float() < HOME_STORE_SHARE ? home[user] : STORE_IDS[STORE_TABLE.pick(r)];
    }

    const group = r.float() < GROUP_ORDER_SHARE;
    const k = group ? 3 : ROWS_TABLE.pick(r) + 1;
    const qtyTable = group ? GROUP_QTY_TABLE : QTY_TABLE;
    let original = 0;
    for (let j = 0; j < k; j++) {
      let item = itemTable.pick(r);
      // Distinct items per transaction: redraw a few times, then take the next unused one.
      for (let tries = 0; tries < 4 && ((j > 0 && chosen[0] === item) || (j > 1 && chosen[1] === item)); tries++) item = itemTable.pick(r);
      while ((j > 0 && chosen[0] === item) || (j > 1 && chosen[1] === item) || weights[item] === 0) item = (item + 1) % PRICES.length;
      chosen[j] = item;
      const q = qtyTable.pick(r) + 1;
      const price = PRICES[item];
      const sub = q * price;
      original += sub;
      // transaction_id,item_id,quantity,unit_price,subtotal,created_at
      it.copy(id);
      it.byte(44);
      it.uint(item + 1);
      it.byte(44);
      it.uint(q);
      it.byte(44);
      it.amount(price);
      it.byte(44);
      it.amount(sub);
      it.byte(44);
      it.copy(ts);
      it.byte(10);
    }
    itemRows += k;

    let voucher = 0;
    let discount = 0;
    if (r.float() < VOUCHER_SHARE) {
      const v = VOUCHERS[VOUCHER_TABLE.pick(r)];
      voucher = v.id;
      discount = voucherDiscount(v, original);
    }
    const pm = PAYMENT_IDS[PM_TABLE.pick(r)];
    // transaction_id,store_id,payment_method_id,voucher_id,user_id,original_amount,discount_applied,final_amount,created_at
    tx.copy(id);
    tx.byte(44);
    tx.uint(store);
    tx.byte(44);
    tx.uint(pm);
    tx.byte(44);
    if (voucher !== 0) tx.uint(voucher);
    tx.byte(44);
    if (user !== 0) {
      tx.uint(user);
      tx.byte(46);
      tx.byte(48); // user ids are float-written: `140170.0`
    }
    tx.byte(44);
    tx.amount(original);
    tx.byte(44);
    tx.amount(discount);
    tx.byte(44);
    tx.amount(original - discount);
    tx.byte(44);
    tx.copy(ts);
    tx.byte(10);

    await tx.flushIfFull();
    await it.flushIfFull();
  }
  if (inject !== undefined && inject.after >= n) {
    tx.text(inject.transactions);
    it.text(inject.items);
  }
  await Promise.all([tx.close(), it.close()]);
  return { transactions: n, items: itemRows, bytes: tx.bytes + it.bytes };
}

function ascii(s: string): Uint8Array {
  return Uint8Array.from(s, (c) => c.charCodeAt(0));
}
