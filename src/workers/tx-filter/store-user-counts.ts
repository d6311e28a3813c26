import { Q4CountsWriter } from '../../protocol/payloads/q4-counts.js';

/** Store ids below this get a direct cell (a chain has tens of stores); larger ones go through a Map. */
const DIRECT_STORES = 1024;

/**
 * One batch's Q4 purchase counts per (store, user) for one q4-count partition, encoded as a
 * `payloads/q4-counts` message (pairs grouped by store). Nested `Map`s (store → user → count)
 * cost about half of the tx-filter's loop, mostly in growing a fresh inner Map per batch
 * (issue 11). Here a pair is found by open addressing on typed arrays, and its entry is chained
 * to its store's group so the encoder walks each group without sorting.
 *
 * Reused from batch to batch: `reset()` empties it in place (the arrays keep their size, so a
 * node stops allocating once it has seen its largest batch). Users are 0..2^31-1 (the caller
 * skips guests); a store is any number a batch's u32 column holds.
 */
export class StoreUserCounts {
  /** Distinct (store, user) pairs held. */
  size = 0;
  /** store → group + 1 for stores below DIRECT_STORES; 0: no group yet. */
  private readonly direct = new Int32Array(DIRECT_STORES);
  private wide = new Map<number, number>();
  /** Per group: its store, its newest entry (-1: none), its entries. */
  private groupStore: number[] = [];
  private groupHead: Int32Array<ArrayBuffer> = new Int32Array(16);
  private groupSize: Int32Array<ArrayBuffer> = new Int32Array(16);
  /** Open-addressing slots: entry + 1, 0 empty; at most half full. */
  private slots = new Int32Array(1024);
  private shift = 32 - 10;
  /** Per entry: user, group, count, and the group's previous entry (-1: none). */
  private entUser = new Int32Array(512);
  private entGroup = new Int32Array(512);
  private entCount = new Int32Array(512);
  private entNext = new Int32Array(512);

  /** Empties it for the next batch. */
  reset(): void {
    for (const store of this.groupStore) if (store >= 0 && store < DIRECT_STORES) this.direct[store] = 0;
    if (this.wide.size > 0) this.wide = new Map();
    this.groupStore = [];
    if (this.size > 0) this.slots.fill(0);
    this.size = 0;
  }

  /** One purchase of `user` (0..2^31-1) at `store`. */
  add(store: number, user: number): void {
    const g = this.groupOf(store);
    const slots = this.slots;
    const mask = slots.length - 1;
    let h = Math.imul(user ^ Math.imul(g, 0x85ebca6b), 0x9e3779b1) >>> this.shift;
    for (;;) {
      const e = slots[h] - 1;
      if (e < 0) break;
      if (this.entUser[e] === user && this.entGroup[e] === g) {
        this.entCount[e]++;
        return;
      }
      h = (h + 1) & mask;
    }
    const e = this.size++;
    if (e === this.entUser.length) this.growEntries();
    this.entUser[e] = user;
    this.entGroup[e] = g;
    this.entCount[e] = 1;
    this.entNext[e] = this.groupHead[g];
    this.groupHead[g] = e;
    this.groupSize[g]++;
    slots[h] = e + 1;
    if (this.size * 2 > slots.length) this.growSlots();
  }

  /** The payload: groups in order of first appearance, each group's users newest first. */
  encode(): Buffer {
    const groups = this.groupStore.length;
    const w = new Q4CountsWriter(groups, this.size);
    for (let g = 0; g < groups; g++) {
      w.group(this.groupStore[g], this.groupSize[g]);
      for (let e = this.groupHead[g]; e >= 0; e = this.entNext[e]) w.pair(this.entUser[e], this.entCount[e]);
    }
    return w.finish();
  }

  private groupOf(store: number): number {
    if (store >= 0 && store < DIRECT_STORES) {
      let g = this.direct[store] - 1;
      if (g < 0) {
        g = this.openGroup(store);
        this.direct[store] = g + 1;
      }
      return g;
    }
    const g = this.wide.get(store);
    if (g !== undefined) return g;
    const opened = this.openGroup(store);
    this.wide.set(store, opened);
    return opened;
  }

  private openGroup(store: number): number {
    const g = this.groupStore.length;
    this.groupStore.push(store);
    if (g === this.groupHead.length) {
      this.groupHead = grown(this.groupHead);
      this.groupSize = grown(this.groupSize);
    }
    this.groupHead[g] = -1;
    this.groupSize[g] = 0;
    return g;
  }

  private growEntries(): void {
    this.entUser = grown(this.entUser);
    this.entGroup = grown(this.entGroup);
    this.entCount = grown(this.entCount);
    this.entNext = grown(this.entNext);
  }

  /** Doubles the slots and places every entry again. */
  private growSlots(): void {
    const slots = new Int32Array(this.slots.length * 2);
    const mask = slots.length - 1;
    this.shift--;
    for (let e = 0; e < this.size; e++) {
      let h = Math.imul(this.entUser[e] ^ Math.imul(this.entGroup[e], 0x85ebca6b), 0x9e3779b1) >>> this.shift;
      while (slots[h] !== 0) h = (h + 1) & mask;
      slots[h] = e + 1;
    }
    this.slots = slots;
  }
}

function grown(a: Int32Array): Int32Array<ArrayBuffer> {
  const b = new Int32Array(a.length * 2);
  b.set(a);
  return b;
}
