/**
 * generateDataset: the whole synthetic dataset in the real layout (SYSTEM.md), deterministic
 * for (seed, scale, hardCases, badRows).
 */
import { mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { BAD_ROWS, badLinesFor } from './bad-rows.js';
import { writeHardCases } from './hard-cases.js';
import { NORMAL_MONTHS, transactionsInMonth } from './proportions.js';
import { writeReferenceTables } from './reference-tables.js';
import { writeSalesMonth } from './sales.js';
import { GENERATED_TABLES, type GeneratedTable } from './schema.js';
import { buildPopulation, writeUsers } from './users.js';

export interface GenerateOptions {
  /** Dataset folder (created if missing). Existing `*.csv` files in its table folders are removed first. */
  out: string;
  /** 1 = the real dataset's size (~14 M transactions, ~3 GB). */
  scale: number;
  /** Non-negative safe integer. */
  seed: number;
  hardCases: boolean;
  badRows: boolean;
  /** Called with the size of every chunk written. */
  onProgress?: (bytes: number) => void;
}

export interface GenerateResult {
  files: number;
  bytes: number;
  /** Data rows (headers excluded) per table, including hard-case and bad rows. */
  rows: Record<GeneratedTable, number>;
  /** Malformed rows written (0 without badRows). */
  badRows: number;
}

/** Scale bounds: below the minimum every month would have a single transaction; above, disks fill. */
export const MIN_SCALE = 1e-5;
export const MAX_SCALE = 10;

export function validateOptions(o: GenerateOptions): void {
  if (typeof o.out !== 'string' || o.out.length === 0) throw new RangeError('out must be a folder path');
  if (!Number.isFinite(o.scale) || o.scale < MIN_SCALE || o.scale > MAX_SCALE)
    throw new RangeError(`scale must be between ${MIN_SCALE} and ${MAX_SCALE}`);
  if (!Number.isSafeInteger(o.seed) || o.seed < 0) throw new RangeError('seed must be a non-negative integer');
}

/** Approximate output size in bytes (for progress bars): ~240 bytes per transaction. */
export function estimateBytes(scale: number): number {
  let tx = 0;
  for (let i = 0; i < NORMAL_MONTHS.length; i++) tx += transactionsInMonth(scale, i);
  return tx * 240;
}

/** Creates the table folders and removes stale CSVs, so no file of an older run joins a table. */
async function prepare(out: string): Promise<void> {
  for (const table of GENERATED_TABLES) {
    const dir = join(out, table);
    await mkdir(dir, { recursive: true });
    for (const name of await readdir(dir)) {
      if (name.toLowerCase().endsWith('.csv')) await rm(join(dir, name));
    }
  }
}

export async function generateDataset(options: GenerateOptions): Promise<GenerateResult> {
  validateOptions(options);
  const { out, scale, seed, hardCases, badRows } = options;
  const onBytes = (bytes: number): void => options.onProgress?.(bytes);
  await prepare(out);

  const rows = Object.fromEntries(GENERATED_TABLES.map((t) => [t, 0])) as Record<GeneratedTable, number>;
  let files = 0;
  let bytes = 0;
  const add = (r: { files: number; bytes: number }, perTable: Partial<Record<GeneratedTable, number>>): void => {
    files += r.files;
    bytes += r.bytes;
    for (const [t, n] of Object.entries(perTable) as [GeneratedTable, number][]) rows[t] += n;
  };

  const ref = await writeReferenceTables(out);
  onBytes(ref.bytes);
  add(ref, ref.rows);

  const pop = buildPopulation(seed, scale);
  const users = await writeUsers(out, seed, pop, onBytes, (m) => (badRows ? badLinesFor('users', NORMAL_MONTHS[m].key) : ''));
  add(users, { users: users.rows });

  for (let m = 0; m < NORMAL_MONTHS.length; m++) {
    const key = NORMAL_MONTHS[m].key;
    const txBad = badRows ? badLinesFor('transactions', key) : '';
    const itBad = badRows ? badLinesFor('transaction_items', key) : '';
    const inject = txBad || itBad ? { after: Math.floor(transactionsInMonth(scale, m) / 2), transactions: txBad, items: itBad } : undefined;
    const res = await writeSalesMonth(out, seed, scale, m, pop, onBytes, inject);
    add({ files: 2, bytes: res.bytes }, { transactions: res.transactions, transaction_items: res.items });
  }

  let bad = 0;
  if (badRows) {
    for (const b of BAD_ROWS) rows[b.table] += 1;
    bad = BAD_ROWS.length;
  }

  if (hardCases) {
    const hc = await writeHardCases(out, seed);
    onBytes(hc.bytes);
    add(hc, hc.rows);
  }
  return { files, bytes, rows, badRows: bad };
}
