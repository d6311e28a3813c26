import { isUtf8 } from 'node:buffer';
import { TABLE_SPEC, type TableSpec } from './tables.js';
import { MAX_TRANSACTION_ID_BYTES } from './rows.js';
import type { DecodedBatch } from './batch-codec.js';

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
  for (const c of spec.numeric) {
    const values = cols[c.field] as Uint32Array | Int32Array;
    for (let i = 0; i < batch.count; i++) {
      const v = values[i];
      if (c.parse === 'id' && v > MAX_ID) return `row ${i}: ${c.csv} ${v} is out of range (0..${MAX_ID})`;
      if (c.parse === 'id-or-guest' && v < -1) return `row ${i}: ${c.csv} ${v} is out of range (-1 for a guest, or 0..${MAX_ID})`;
    }
  }
  if (spec.text === null) return null;
  const offsets = cols[`${spec.text.batchField}Offsets`] as Uint32Array;
  const heap = cols[`${spec.text.batchField}Heap`] as Buffer;
  const recordId = spec.text.parse === 'record-id';
  for (let i = 0; i < batch.count; i++) {
    const len = offsets[i + 1] - offsets[i];
    if (recordId && (len === 0 || len > MAX_TRANSACTION_ID_BYTES))
      return `row ${i}: ${spec.text.csv} of ${len} bytes (must be 1..${MAX_TRANSACTION_ID_BYTES})`;
  }
  // Whole heap first (fast); per row only if needed: a row boundary must not split a character.
  if (!isUtf8(heap)) return `${spec.text.csv}: not valid UTF-8`;
  for (let i = 0; i < batch.count; i++) {
    const s = offsets[i];
    const e = offsets[i + 1];
    if (s === e) continue;
    // A row starting with a continuation byte means the previous row ended mid-character.
    if ((heap[s] & 0xc0) === 0x80) return `row ${i}: ${spec.text.csv}: not valid UTF-8`;
    if (e < heap.length && (heap[e] & 0xc0) === 0x80) return `row ${i}: ${spec.text.csv}: not valid UTF-8`;
  }
  return null;
}
