import { FIRST_QUERY_YEAR, LAST_QUERY_YEAR } from '../../queries/rules.js';

/** Months of the query period: the rows of the direct table. */
const MONTHS = (LAST_QUERY_YEAR - FIRST_QUERY_YEAR + 1) * 12;
/**
 * Item ids below this get a cell of the direct table (a menu has tens of items); larger ids,
 * which a dataset may still hold, go through a Map.
 */
const DIRECT_ITEMS = 1024;
/** 2^32: a (month, item) key of the Map as one exact number (item ids are u32 on the wire). */
const ITEM_SPAN = 4_294_967_296;

/**
 * One batch's Q2 partial sums per (month, item): quantity, subtotal cents and rows. Two
 * `Map` lookups and a tuple per row cost ~40 % of the item-filter's loop (issue 11); here a
 * (month, item) pair finds its slot in one typed-array read, and the sums live in typed
 * arrays. Reused from batch to batch: `reset()` clears only the cells the last batch used,
 * so a batch that threw half-way leaves nothing behind for the next.
 */
export class MonthItemSums {
  /** Slots in use, in order of first appearance (the order `forEach` visits them). */
  size = 0;
  /** (month index × DIRECT_ITEMS + item) → slot + 1; 0: no slot yet. */
  private readonly direct = new Int32Array(MONTHS * DIRECT_ITEMS);
  private wide = new Map<number, number>();
  private months: Int32Array = new Int32Array(256);
  private items: Float64Array = new Float64Array(256);
  /** The slot's cell of `direct`, -1 for a slot of `wide`. */
  private cells: Int32Array = new Int32Array(256);
  private quantity: Float64Array = new Float64Array(256);
  private cents: Float64Array = new Float64Array(256);
  private rows: Float64Array = new Float64Array(256);

  /** Empties the sums for the next batch. */
  reset(): void {
    const { cells, direct } = this;
    for (let s = 0; s < this.size; s++) if (cells[s] >= 0) direct[cells[s]] = 0;
    if (this.wide.size > 0) this.wide = new Map();
    this.size = 0;
  }

  /** Adds one row of month key `yyyymm` (of the query period), item `item` (0..2^32-1). */
  add(month: number, item: number, quantity: number, cents: number): void {
    const mi = ((month / 100) | 0) * 12 + (month % 100) - (FIRST_QUERY_YEAR * 12 + 1);
    let s: number;
    if (item < DIRECT_ITEMS) {
      const cell = mi * DIRECT_ITEMS + item;
      s = this.direct[cell] - 1;
      if (s < 0) {
        s = this.open(month, item, cell);
        this.direct[cell] = s + 1;
      }
    } else {
      const key = mi * ITEM_SPAN + item;
      const found = this.wide.get(key);
      if (found === undefined) {
        s = this.open(month, item, -1);
        this.wide.set(key, s);
      } else s = found;
    }
    this.quantity[s] += quantity;
    this.cents[s] += cents;
    this.rows[s]++;
  }

  /** Calls `visit` for every (month, item) with its sums, in order of first appearance. */
  forEach(visit: (month: number, item: number, quantity: number, cents: number, rows: number) => void): void {
    for (let s = 0; s < this.size; s++) visit(this.months[s], this.items[s], this.quantity[s], this.cents[s], this.rows[s]);
  }

  private open(month: number, item: number, cell: number): number {
    if (this.size === this.months.length) this.grow();
    const s = this.size++;
    this.months[s] = month;
    this.items[s] = item;
    this.cells[s] = cell;
    this.quantity[s] = 0;
    this.cents[s] = 0;
    this.rows[s] = 0;
    return s;
  }

  private grow(): void {
    const n = this.months.length * 2;
    this.months = grownInt(this.months, n);
    this.cells = grownInt(this.cells, n);
    this.items = grownFloat(this.items, n);
    this.quantity = grownFloat(this.quantity, n);
    this.cents = grownFloat(this.cents, n);
    this.rows = grownFloat(this.rows, n);
  }
}

function grownInt(a: Int32Array, n: number): Int32Array {
  const b = new Int32Array(n);
  b.set(a);
  return b;
}

function grownFloat(a: Float64Array, n: number): Float64Array {
  const b = new Float64Array(n);
  b.set(a);
  return b;
}
