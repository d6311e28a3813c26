import type { Q3Partial } from '../../protocol/payloads/json.js';
import { HALVES, halfIndex, halfKeyAt } from '../../queries/rules.js';

/** Store ids below this get direct cells (a chain has tens of stores); larger ones go through a Map. */
const DIRECT_STORES = 1024;

/**
 * One batch's Q3 partial sums per (store, half year): TPV in cents and rows. It used to be
 * nested `Map`s (store → half → [cents, rows]), two hash lookups per row in the hour window,
 * a quarter of the tx-filter's loop (issue 11, round sixteen). Here a row adds to a typed-array
 * cell indexed by store and half; the cells a batch touched are listed, so reading and
 * emptying cost what the batch used, not the table's size. Reused from batch to batch.
 */
export class StoreHalfSums {
  private readonly cents = new Float64Array(DIRECT_STORES * HALVES);
  private readonly rows = new Int32Array(DIRECT_STORES * HALVES);
  /** Cells touched since the last reset, in order of first touch. */
  private touched: number[] = [];
  /** Stores from DIRECT_STORES up: key store * HALVES + half. */
  private wide = new Map<number, [cents: number, rows: number]>();

  /** Adds one row of `cents` at `store` (a u32) in the half year of `ts` (a timestamp of the query period). */
  add(store: number, ts: number, cents: number): void {
    const h = halfIndex(ts);
    if (store < DIRECT_STORES) {
      const cell = store * HALVES + h;
      if (this.rows[cell]++ === 0) this.touched.push(cell);
      this.cents[cell] += cents;
      return;
    }
    const key = store * HALVES + h;
    const acc = this.wide.get(key);
    if (acc) {
      acc[0] += cents;
      acc[1]++;
    } else this.wide.set(key, [cents, 1]);
  }

  /** Calls `fn` with each (half key, store, cents, rows) of the batch. */
  forEach(fn: (p: Q3Partial) => void): void {
    for (const cell of this.touched) {
      const store = Math.floor(cell / HALVES);
      fn([halfKeyAt(cell - store * HALVES), store, this.cents[cell], this.rows[cell]]);
    }
    for (const [key, [cents, rows]] of this.wide) {
      const store = Math.floor(key / HALVES);
      fn([halfKeyAt(key - store * HALVES), store, cents, rows]);
    }
  }

  /** Empties it for the next batch. */
  reset(): void {
    for (const cell of this.touched) {
      this.cents[cell] = 0;
      this.rows[cell] = 0;
    }
    this.touched = [];
    if (this.wide.size > 0) this.wide = new Map();
  }
}
