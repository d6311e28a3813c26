import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { generateDataset, type GenerateResult } from './dataset.js';
import { BAD_ROW_COUNT, BAD_ROW_COUNT_BY_TABLE, BAD_ROWS } from './bad-rows.js';
import { HEADERS, type GeneratedTable } from './schema.js';
import { listFiles } from '../../testing/dataset-rows.js';

let root: string;
let plain: string;
let bad: string;
let plainResult: GenerateResult;
let badResult: GenerateResult;

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'gen-bad-'));
  plain = join(root, 'plain');
  bad = join(root, 'bad');
  plainResult = await generateDataset({ out: plain, scale: 0.0005, seed: 5, hardCases: false, badRows: false });
  badResult = await generateDataset({ out: bad, scale: 0.0005, seed: 5, hardCases: false, badRows: true });
});

after(async () => {
  await rm(root, { recursive: true, force: true });
});

/** A deliberately strict validator of one row, independent of the generator's code. */
function valid(table: GeneratedTable, f: string[]): boolean {
  const ts = (s: string): boolean => {
    const m = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/.exec(s);
    return m !== null && Number(m[2]) >= 1 && Number(m[2]) <= 12 && Number(m[3]) >= 1 && Number(m[3]) <= 31 && Number(m[4]) < 24;
  };
  const amount = (s: string): boolean => /^\d+(\.\d{1,2})?$/.test(s);
  if (f.length !== HEADERS[table].split(',').length) return false;
  switch (table) {
    case 'transactions':
      return /^(\d+(\.0)?)?$/.test(f[4]) && amount(f[5]) && amount(f[6]) && amount(f[7]) && ts(f[8]);
    case 'transaction_items':
      return /^\d+$/.test(f[1]) && /^\d+$/.test(f[2]) && amount(f[3]) && amount(f[4]) && ts(f[5]);
    case 'users':
      return /^\d+$/.test(f[0]) && ts(f[3]);
    default:
      return true;
  }
}

test(`--bad-rows adds exactly BAD_ROW_COUNT (${BAD_ROW_COUNT}) malformed rows, and those are exactly the invalid ones`, async () => {
  assert.equal(BAD_ROW_COUNT, 10);
  assert.deepEqual(BAD_ROW_COUNT_BY_TABLE, { transactions: 5, transaction_items: 3, users: 2 });
  assert.equal(badResult.badRows, BAD_ROW_COUNT);
  const rejected: string[] = [];
  for (const f of await listFiles(bad)) {
    const table = f.split('/')[0] as GeneratedTable;
    const text = await readFile(join(bad, f), 'utf8');
    const parsed: string[][] = parse(text, { relax_column_count: true });
    const rows = parsed.slice(1);
    for (const r of rows) if (!valid(table, r)) rejected.push(r.join(','));
  }
  assert.deepEqual(rejected.sort(), BAD_ROWS.map((b) => b.line).sort());
  for (const t of ['transactions', 'transaction_items', 'users'] as const) {
    assert.equal(badResult.rows[t], plainResult.rows[t] + (BAD_ROW_COUNT_BY_TABLE[t] ?? 0));
  }
});

test('removing the bad lines gives back the files of the same run without --bad-rows', async () => {
  const files = await listFiles(plain);
  assert.deepEqual(await listFiles(bad), files);
  const badLines = new Set(BAD_ROWS.map((b) => b.line));
  let touched = 0;
  for (const f of files) {
    const withBad = await readFile(join(bad, f), 'utf8');
    const cleaned = withBad
      .split('\n')
      .filter((l) => !badLines.has(l))
      .join('\n');
    if (cleaned !== withBad) touched++;
    assert.equal(cleaned, await readFile(join(plain, f), 'utf8'), f);
  }
  assert.equal(touched, 3);
  // Spliced into the middle of the file, not appended at the end.
  const tx = (await readFile(join(bad, 'transactions/transactions_202402.csv'), 'utf8')).trim().split('\n');
  const at = tx.indexOf(BAD_ROWS[0].line);
  assert.ok(at > 1 && at < tx.length - 5, `bad row at line ${at} of ${tx.length}`);
});
