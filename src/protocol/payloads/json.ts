import { BatchDecodeError } from '../../node/errors.js';

/** Small payloads (partial sums, candidates, report rows) travel as JSON arrays of tuples. */
export function encodeTuples<T extends readonly unknown[]>(rows: readonly T[]): Buffer {
  return Buffer.from(JSON.stringify(rows), 'utf8');
}

export function decodeTuples<T extends readonly unknown[]>(body: Buffer, width: number, what: string): T[] {
  let v: unknown;
  try {
    v = JSON.parse(body.toString('utf8'));
  } catch {
    throw new BatchDecodeError(`${what}: not JSON`);
  }
  if (!Array.isArray(v) || v.some((r) => !Array.isArray(r) || r.length !== width))
    throw new BatchDecodeError(`${what}: expected rows of ${width} values`);
  return v as T[];
}

/** Q2 partial: [yyyymm, itemId, quantity, subtotalCents, rows] (rows: for the data-quality counts). */
export type Q2Partial = [month: number, item: number, qty: number, cents: number, rows: number];
/** Q3 partial: [yyyyh, storeId, tpvCents, rows] (rows: for the data-quality counts). */
export type Q3Partial = [half: number, store: number, cents: number, rows: number];
/**
 * Q4 candidate (a partition's per-store top 3): [storeId, userId, purchases, birthdate, storeRows].
 * storeRows: the partition's purchases at the store on the store's first candidate, 0 on the
 * others, so q4-top can count the rows of stores missing from stores (data quality).
 */
export type Q4Candidate = [store: number, user: number, purchases: number, birthdate: string, storeRows: number];

/** Report rows sent to the client (it sorts and writes them). */
export type Q2ResultRow = [month: string, qtyItemName: string, qty: number, profitItemName: string, profitCents: number];
export type Q3ResultRow = [half: string, storeId: number, storeName: string, cents: number];
export type Q4ResultRow = [storeId: number, storeName: string, userId: number, birthdate: string, purchases: number];
