import { decodeBatch, stringAt, type DecodedBatch } from '../../dataset/batch-codec.js';
import { sourceSeq } from '../../protocol/internal/ids.js';
import type { AppliedMessage } from './partitioned.js';

/**
 * A lookup built from a broadcast reference table (store name, item name, user birthdate by
 * id) where a duplicated key keeps its first occurrence in the dataset (file order, then
 * line order), whatever order the batches arrive in: each value carries its rank = (batch
 * seq, row).
 *
 * Keys are the u32 ids of the wire, in an open-addressing table on typed arrays (linear
 * probing, at most half full). Two `Map`s here held q4-count's share of `users` (250 k ids a
 * partition at scale 1) and cost most of its finalize: one lookup per (store, user) pair on
 * the way to the report (issue 11).
 */
export class FirstSeenTable<V> {
  /** Keys held. */
  size = 0;
  /** Slot → key, or EMPTY. */
  private keys: Float64Array;
  private ranks: Float64Array;
  private values: Array<V | undefined>;
  private shift: number;

  constructor(capacity = 8) {
    let bits = 4;
    while (1 << bits < capacity * 2) bits++;
    this.keys = new Float64Array(1 << bits).fill(EMPTY);
    this.ranks = new Float64Array(1 << bits);
    this.values = new Array<V | undefined>(1 << bits).fill(undefined);
    this.shift = 32 - bits;
  }

  set(key: number, value: V, seq: number, row: number): void {
    checkKey(key);
    const rank = seq * 1_048_576 + row;
    const keys = this.keys;
    const mask = keys.length - 1;
    let i = Math.imul(key | 0, 0x9e3779b1) >>> this.shift;
    for (;;) {
      const k = keys[i];
      if (k === key) {
        if (this.ranks[i] <= rank) return;
        break;
      }
      if (k === EMPTY) {
        keys[i] = key;
        if (++this.size * 2 > keys.length) {
          this.ranks[i] = rank;
          this.values[i] = value;
          this.grow();
          return;
        }
        break;
      }
      i = (i + 1) & mask;
    }
    this.ranks[i] = rank;
    this.values[i] = value;
  }

  get(key: number): V | undefined {
    const keys = this.keys;
    const mask = keys.length - 1;
    for (let i = Math.imul(key | 0, 0x9e3779b1) >>> this.shift; ; i = (i + 1) & mask) {
      const k = keys[i];
      if (k === key) return this.values[i];
      if (k === EMPTY) return undefined;
    }
  }

  private grow(): void {
    const { keys, ranks, values } = this;
    const slots = keys.length * 2;
    this.keys = new Float64Array(slots).fill(EMPTY);
    this.ranks = new Float64Array(slots);
    this.values = new Array<V | undefined>(slots).fill(undefined);
    this.shift--;
    const mask = slots - 1;
    for (let j = 0; j < keys.length; j++) {
      const key = keys[j];
      if (key === EMPTY) continue;
      let i = Math.imul(key | 0, 0x9e3779b1) >>> this.shift;
      while (this.keys[i] !== EMPTY) i = (i + 1) & mask;
      this.keys[i] = key;
      this.ranks[i] = ranks[j];
      this.values[i] = values[j];
    }
  }
}

/** No key: ids are u32, never negative. */
const EMPTY = -1;

function checkKey(key: number): void {
  // Anything else would never be found again (or alias another id): a bug upstream, not data.
  if (!(key >= 0 && key <= 0xffffffff) || key !== Math.floor(key)) throw new RangeError(`reference key ${key} is not in 0..2^32-1`);
}

/** The tables the gateway broadcasts to every partition of the stages that join them (see `columns` for key and value). */
export type ReferenceTable = 'stores' | 'menu_items' | 'users';

/**
 * Folds a broadcast reference batch of `table` into `into` (only keys `keep` accepts, when
 * given: a partition keeps its own share). Returns false if `msg` is not a client batch at all
 * (the caller handles it), true if it was one (batches of other tables are ignored).
 */
export function joinReference(
  into: FirstSeenTable<string>,
  msg: AppliedMessage,
  table: ReferenceTable,
  keep?: (key: number) => boolean,
): boolean {
  if (msg.type !== 'data') return false;
  const b = decodeBatch(msg.body);
  const cols = b.table === table ? columns(b) : null;
  if (!cols) return true;
  const seq = sourceSeq(msg.id);
  const { keys, offsets, heap } = cols;
  for (let i = 0; i < b.count; i++) {
    const key = keys[i];
    if (keep && !keep(key)) continue;
    into.set(key, stringAt(offsets, heap, i), seq, i);
  }
  return true;
}

function columns(b: DecodedBatch): { keys: Uint32Array; offsets: Uint32Array; heap: Buffer } | null {
  switch (b.table) {
    case 'stores':
      return { keys: b.storeId, offsets: b.nameOffsets, heap: b.nameHeap };
    case 'menu_items':
      return { keys: b.itemId, offsets: b.nameOffsets, heap: b.nameHeap };
    case 'users':
      return { keys: b.userId, offsets: b.birthdateOffsets, heap: b.birthdateHeap };
    default:
      return null;
  }
}
