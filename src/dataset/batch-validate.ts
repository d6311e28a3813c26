import { isUtf8 } from 'node:buffer';
import { TABLE_SPEC, type TableSpec } from './tables.js';
import { MAX_TRANSACTION_ID_BYTES } from './rows.js';
import { columnBounds, firstMissingNeededText, textIsPackedUuids, type DecodedBatch } from './batch-codec.js';

/** Largest id (`id` columns are 0..2^31-1, `tables.ts`). */
const MAX_ID = 0x7fffffff;

/**
 * Checks a decoded batch's values against the rules the client's row parser applies
 * (`tables.ts` FieldParse): ids in range, a guest user as -1 only, text columns valid UTF-8,
 * transaction ids non-empty and at most MAX_TRANSACTION_ID_BYTES bytes. The gateway runs it on
 * every batch: a crafted client must not get values past it that the workers' formats cannot
 * carry (a 256-byte id wraps the one-byte length of q1-rows and forges rows). Returns the first
 * problem, or null.
 */
export function validateBatchValues(batch: DecodedBatch): string | null {
  const spec: TableSpec = TABLE_SPEC[batch.table];
  const cols = batch as unknown as Record<string, Uint32Array | Int32Array | Buffer | number | string>;
  const n = batch.count;
  // A column whose header bounds its values within the range is not read (an honest client's
  // columns almost always are); else one tight, monomorphic loop per checked column.
  for (const c of spec.numeric) {
    if (c.parse !== 'id' && c.parse !== 'id-or-guest') continue;
    const bounds = columnBounds(batch, c.field);
    if (bounds !== null && bounds.min >= (c.parse === 'id' ? 0 : -1) && bounds.max <= MAX_ID) continue;
    if (c.parse === 'id') {
      const bad = firstAbove(cols[c.field] as Uint32Array, n, MAX_ID);
      if (bad >= 0) return `row ${bad}: ${c.csv} ${(cols[c.field] as Uint32Array)[bad]} is out of range (0..${MAX_ID})`;
    } else if (c.parse === 'id-or-guest') {
      const bad = firstBelow(cols[c.field] as Int32Array, n, -1);
      if (bad >= 0) return `row ${bad}: ${c.csv} ${(cols[c.field] as Int32Array)[bad]} is out of range (-1 for a guest, or 0..${MAX_ID})`;
    }
  }
  if (spec.text === null) return null;
  const missing = firstMissingNeededText(batch);
  if (missing >= 0) {
    const need = spec.textNeeded!;
    const column = spec.numeric.find((c) => c.field === need.field)!.csv;
    const value = (cols[need.field] as Int32Array | Uint32Array)[missing];
    return `row ${missing}: ${spec.text.csv} left out, but a query needs it (${column} ${value} on the wire, at least ${need.atLeast})`;
  }
  // Packed ids are valid by construction (36 ASCII bytes each): unpacking them to check was
  // the gateway's largest cost per transactions batch (issue 11).
  if (textIsPackedUuids(batch)) return null;
  const offsets = cols[`${spec.text.batchField}Offsets`] as Uint32Array;
  const heap = cols[`${spec.text.batchField}Heap`] as Buffer;
  if (spec.text.parse === 'record-id') {
    const bad = firstBadLength(offsets, n, 1, MAX_TRANSACTION_ID_BYTES);
    if (bad >= 0)
      return `row ${bad}: ${spec.text.csv} of ${offsets[bad + 1] - offsets[bad]} bytes (must be 1..${MAX_TRANSACTION_ID_BYTES})`;
  }
  // Whole heap first (fast); then a row boundary must not split a character: a row starting with
  // a continuation byte means the previous row ended mid-character.
  if (!isUtf8(heap)) return `${spec.text.csv}: not valid UTF-8`;
  const bad = firstSplitCharacter(offsets, heap, n);
  if (bad >= 0) return `row ${bad}: ${spec.text.csv}: not valid UTF-8`;
  return null;
}

function firstAbove(values: Uint32Array, n: number, max: number): number {
  for (let i = 0; i < n; i++) if (values[i] > max) return i;
  return -1;
}

function firstBelow(values: Int32Array, n: number, min: number): number {
  for (let i = 0; i < n; i++) if (values[i] < min) return i;
  return -1;
}

function firstBadLength(offsets: Uint32Array, n: number, min: number, max: number): number {
  for (let i = 0; i < n; i++) {
    const len = offsets[i + 1] - offsets[i];
    if (len < min || len > max) return i;
  }
  return -1;
}

function firstSplitCharacter(offsets: Uint32Array, heap: Buffer, n: number): number {
  const end = heap.length;
  for (let i = 1; i < n; i++) {
    const s = offsets[i];
    if (s < end && s !== offsets[i + 1] && (heap[s] & 0xc0) === 0x80) return i;
  }
  return -1;
}
