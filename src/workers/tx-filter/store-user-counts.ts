import { Q4CountsWriter } from '../../protocol/payloads/q4-counts.js';

/** Store ids below this get a direct cell (a chain has tens of stores); larger ones go through a Map. */
const DIRECT_STORES = 1024;

/**
 * One batch's Q4 purchase counts per (store, user) for one q4-count partition, encoded as a
 * `payloads/q4-counts` message (pairs grouped by store). Nested `Map`s (store → user → count)
 * cost about half of the tx-filter's loop (issue 11); an open-addressing table after them still
 * cost ~45 ns a row on real data, over half of the loop: most pairs of a batch are new, so each
 * add was a cache miss or two in a table of megabytes. So an add only appends (store group,
 * user) to two arrays, and the batch is counted once at the end: a radix sort by (group, user)
 * (passes over bytes in order, digits every key shares skipped) and one pass counting runs.
 *
 * Reused from batch to batch: `reset()` empties it in place (the arrays keep their size, so a
 * node stops allocating once it has seen its largest batch). Users are 0..2^31-1 (the caller
 * skips guests); a store is any number a batch's u32 column holds.
 */
export class StoreUserCounts {
  /** store → group + 1 for stores below DIRECT_STORES; 0: no group yet. */
  private readonly direct = new Int32Array(DIRECT_STORES);
  private wide = new Map<number, number>();
  /** Per group (stores in order of first appearance): its store; its distinct users once counted. */
  private groupStore: number[] = [];
  private groupSize = new Int32Array(16);
  /** The adds since reset: user and group of each; `spareUser`/`spareGroup` are the sort's other half. */
  private adds = 0;
  private user = new Int32Array(1024);
  private group = new Int32Array(1024);
  private spareUser = new Int32Array(1024);
  private spareGroup = new Int32Array(1024);
  /** Counted: the distinct pairs in (group, user) order, or -1 while adds are not counted yet. */
  private distinct = 0;
  private pairUser = this.spareUser;
  private pairCount = this.spareGroup;
  /** Histograms of the user's digits and of the groups (sort scratch). */
  private readonly low = new Int32Array(2048);
  private readonly mid = new Int32Array(1024);
  private readonly high = new Int32Array(1024);
  private byGroup = new Int32Array(16);

  /** Distinct (store, user) pairs held. */
  get size(): number {
    this.count();
    return this.distinct;
  }

  /** Empties it for the next batch. */
  reset(): void {
    for (const store of this.groupStore) if (store >= 0 && store < DIRECT_STORES) this.direct[store] = 0;
    if (this.wide.size > 0) this.wide = new Map();
    this.groupStore = [];
    this.adds = 0;
    this.distinct = 0;
  }

  /** One purchase of `user` (0..2^31-1) at `store`. */
  add(store: number, user: number): void {
    const g = this.groupOf(store);
    const i = this.adds;
    if (i === this.user.length) this.growAdds();
    this.user[i] = user;
    this.group[i] = g;
    this.adds = i + 1;
    this.distinct = -1;
  }

  /** The payload: groups in order of first appearance, each group's users ascending. */
  encode(): Buffer {
    this.count();
    const groups = this.groupStore.length;
    const w = new Q4CountsWriter(groups, this.distinct);
    const { groupSize, pairUser, pairCount } = this;
    for (let g = 0, p = 0; g < groups; g++) {
      const n = groupSize[g];
      w.group(this.groupStore[g], n);
      for (const end = p + n; p < end; p++) w.pair(pairUser[p], pairCount[p]);
    }
    return w.finish();
  }

  /** Sorts the adds by (group, user) and counts the runs: pairUser, pairCount, groupSize, distinct. */
  private count(): void {
    if (this.distinct >= 0) return;
    const n = this.adds;
    const groups = this.groupStore.length;
    const [user, group] = this.sort(n, groups);
    const [toUser, toGroup] = user === this.user ? [this.spareUser, this.spareGroup] : [this.user, this.group];
    // Runs of equal (group, user) are one pair; written over the spare half.
    if (this.groupSize.length < groups) this.groupSize = new Int32Array(2 * groups);
    const groupSize = this.groupSize;
    groupSize.fill(0, 0, groups);
    let d = 0;
    for (let i = 0; i < n; i++) {
      const u = user[i];
      const g = group[i];
      if (d > 0 && u === toUser[d - 1] && g === group[i - 1]) toGroup[d - 1]++;
      else {
        toUser[d] = u;
        toGroup[d] = 1;
        groupSize[g]++;
        d++;
      }
    }
    this.user = user;
    this.group = group;
    this.spareUser = this.pairUser = toUser;
    this.spareGroup = this.pairCount = toGroup;
    this.distinct = d;
  }

  /**
   * LSD radix sort of the adds: the user's three digits (11, 10, 10 bits), then the group; a digit
   * every add shares is skipped (the high one, for users below 2^21). Returns the sorted (user,
   * group) arrays: this.user/group or the spares.
   */
  private sort(n: number, groups: number): [Int32Array<ArrayBuffer>, Int32Array<ArrayBuffer>] {
    if (this.byGroup.length < groups) this.byGroup = new Int32Array(2 * groups);
    const { low, mid, high, byGroup } = this;
    low.fill(0);
    mid.fill(0);
    high.fill(0);
    byGroup.fill(0, 0, groups);
    let [user, group, toUser, toGroup] = [this.user, this.group, this.spareUser, this.spareGroup];
    for (let i = 0; i < n; i++) {
      const u = user[i];
      low[u & 0x7ff]++;
      mid[(u >>> 11) & 0x3ff]++;
      high[u >>> 21]++;
      byGroup[group[i]]++;
    }
    for (const [hist, shift, mask] of [
      [low, 0, 0x7ff],
      [mid, 11, 0x3ff],
      [high, 21, 0x3ff],
    ] as const) {
      if (n === 0 || hist[(user[0] >>> shift) & mask] === n) continue;
      scatter(hist, hist.length, user, group, toUser, toGroup, n, shift, mask);
      [user, toUser, group, toGroup] = [toUser, user, toGroup, group];
    }
    if (groups > 1) {
      scatter(byGroup, groups, group, user, toGroup, toUser, n, 0, -1);
      [user, toUser, group, toGroup] = [toUser, user, toGroup, group];
    }
    return [user, group];
  }

  private growAdds(): void {
    const grown = (a: Int32Array): Int32Array<ArrayBuffer> => {
      const b = new Int32Array(a.length * 2);
      b.set(a);
      return b;
    };
    this.user = grown(this.user);
    this.group = grown(this.group);
    this.spareUser = new Int32Array(this.user.length);
    this.spareGroup = new Int32Array(this.user.length);
  }

  private groupOf(store: number): number {
    if (store >= 0 && store < DIRECT_STORES) {
      let g = this.direct[store] - 1;
      if (g < 0) {
        g = this.groupStore.length;
        this.groupStore.push(store);
        this.direct[store] = g + 1;
      }
      return g;
    }
    let g = this.wide.get(store);
    if (g === undefined) {
      g = this.groupStore.length;
      this.groupStore.push(store);
      this.wide.set(store, g);
    }
    return g;
  }
}

/** Turns the first `buckets` counts of `hist` into each bucket's first position. */
function startsOf(hist: Int32Array, buckets: number): void {
  for (let b = 0, at = 0; b < buckets; b++) {
    const c = hist[b];
    hist[b] = at;
    at += c;
  }
}

/**
 * One stable counting-sort pass of (key, other) into (toKey, toOther) by the digit
 * (key >>> shift) & mask, given the digit's histogram over `buckets` (turned into write positions here).
 */
function scatter(
  hist: Int32Array,
  buckets: number,
  key: Int32Array,
  other: Int32Array,
  toKey: Int32Array,
  toOther: Int32Array,
  n: number,
  shift: number,
  mask: number,
): void {
  startsOf(hist, buckets);
  for (let i = 0; i < n; i++) {
    const k = key[i];
    const p = hist[(k >>> shift) & mask]++;
    toKey[p] = k;
    toOther[p] = other[i];
  }
}
