/**
 * user id -> purchases for one store of a q4-count partition: open addressing with linear
 * probing on two typed arrays. A partition holds up to hundreds of thousands of users per
 * store; a `Map<number, number>` there cost two hash lookups and ~40 bytes per pair, and most of
 * the node's CPU (issue 11). Ids are 0..2^31-1, stored + 1 as int32 (0 marks an empty slot;
 * 2^31 wraps to -2^31, still unique); counts are below the rows quota, so they fit an int32.
 *
 * A user's slot is its id modulo the table size (plus an offset per wrap of the ids around the
 * table, so ids a table size apart do not pile up), not a scrambled hash: the tx-filter sends
 * each store's users in ascending order (store-user-counts.ts) and user ids are dense, so a batch
 * walks the table front to back instead of missing the cache at every pair (round sixteen).
 * Ids that crowd some slots (a dataset of multiples of a power of two, or one built to collide)
 * would make probes long: the first probe longer than MAX_PROBE switches the table to a
 * scrambled hash for good, so no input makes it quadratic.
 */
export class UserCounts {
  /** Users held. */
  size = 0;
  private keys: Int32Array;
  private counts: Int32Array;
  private shift: number;
  /** Scrambled hash instead of id modulo size: set for good by the first long probe. */
  private scrambled = false;

  constructor(capacity = 16) {
    let bits = 4;
    while (1 << bits < capacity * 2) bits++;
    this.keys = new Int32Array(1 << bits);
    this.counts = new Int32Array(1 << bits);
    this.shift = 32 - bits;
  }

  /** Adds `count` to `user`'s purchases; true when the user was not there before. */
  add(user: number, count: number): boolean {
    const key = keyOf(user);
    const keys = this.keys;
    const mask = keys.length - 1;
    let i = this.slotOf(key, mask);
    for (let probes = 0; ; probes++) {
      const k = keys[i];
      if (k === key) {
        this.counts[i] += count;
        return false;
      }
      if (k === 0) break;
      if (probes === MAX_PROBE && !this.scrambled) {
        this.scrambled = true;
        this.rehash(0);
        return this.add(user, count);
      }
      i = (i + 1) & mask;
    }
    keys[i] = key;
    this.counts[i] = count;
    if (++this.size * 2 > keys.length) this.grow();
    return true;
  }

  /** `user`'s purchases, or undefined. */
  get(user: number): number | undefined {
    const key = keyOf(user);
    const keys = this.keys;
    const mask = keys.length - 1;
    for (let i = this.slotOf(key, mask); ; i = (i + 1) & mask) {
      const k = keys[i];
      if (k === key) return this.counts[i];
      if (k === 0) return undefined;
    }
  }

  /** Calls `visit(purchases, user)` for every user, in no particular order (Map's argument order). */
  forEach(visit: (count: number, user: number) => void): void {
    const { keys, counts } = this;
    for (let i = 0; i < keys.length; i++) if (keys[i] !== 0) visit(counts[i], (keys[i] - 1) >>> 0);
  }

  /** Whether lookups use the scrambled hash (a test reads it: ids that crowd slots must switch it on). */
  get isScrambled(): boolean {
    return this.scrambled;
  }

  private slotOf(key: number, mask: number): number {
    return this.scrambled ? Math.imul(key, 0x9e3779b1) >>> this.shift : (key + Math.imul(key >>> (32 - this.shift), 0x9e3779b1)) & mask;
  }

  private grow(): void {
    this.rehash(1);
  }

  /** Places every user again in a table 2^extraBits times larger. */
  private rehash(extraBits: number): void {
    const { keys, counts } = this;
    const bits = 32 - this.shift + extraBits;
    this.keys = new Int32Array(1 << bits);
    this.counts = new Int32Array(1 << bits);
    this.shift = 32 - bits;
    this.size = 0;
    for (let i = 0; i < keys.length; i++) if (keys[i] !== 0) this.add((keys[i] - 1) >>> 0, counts[i]);
  }
}

const MAX_USER = 0x7fffffff;
/** Longest probe before the table gives up on id-modulo-size slots. */
const MAX_PROBE = 64;

function keyOf(user: number): number {
  // Anything else would alias another user's slot: a bug upstream, not data to count.
  if (!(user >= 0 && user <= MAX_USER) || user !== Math.floor(user)) throw new RangeError(`user id ${user} is not in 0..${MAX_USER}`);
  return (user + 1) | 0;
}
