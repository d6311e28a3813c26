import { decodeBatch, stringAt, type DecodedBatch } from '../../dataset/batch-codec.js';
import { sourceSeq } from '../../protocol/internal/ids.js';
import type { AppliedMessage } from './partitioned.js';

/**
 * A lookup built from a broadcast reference table (store name, item name, user birthdate by
 * id) where a duplicated key keeps its first occurrence in the dataset (file order, then
 * line order), whatever order the batches arrive in: each value carries its rank = (batch
 * seq, row).
 */
export class FirstSeenTable<V> {
  private readonly values = new Map<number, V>();
  private readonly ranks = new Map<number, number>();

  set(key: number, value: V, seq: number, row: number): void {
    const rank = seq * 1_048_576 + row;
    const prev = this.ranks.get(key);
    if (prev !== undefined && prev <= rank) return;
    this.ranks.set(key, rank);
    this.values.set(key, value);
  }

  get(key: number): V | undefined {
    return this.values.get(key);
  }

  get size(): number {
    return this.values.size;
  }
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
