import { test } from 'node:test';
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import { CLI_BIN } from '../node/config/paths.js';
import assert from 'node:assert/strict';
import { readerFiles, readerPlan, readerProcessArgs } from './reader-process.js';
import { CLIENT_V8_FLAGS } from '../node/v8-flags.js';
import { READER_PROCESS_MIN_BYTES } from './options.js';
import { TABLES, type TableName } from '../dataset/tables.js';
import type { TableFile } from '../dataset/files.js';

/** A listing with `sizes` as the files of transaction_items and a one-byte file for every other table. */
function listing(sizes: number[]): Record<TableName, TableFile[]> {
  const out = {} as Record<TableName, TableFile[]>;
  for (const t of TABLES) out[t] = [{ path: `/d/${t}/a.csv`, name: `${t}/a.csv`, size: 1 }];
  out.transaction_items = sizes.map((size, i) => ({ path: `/d/i/${i}.csv`, name: `transaction_items/${i}.csv`, size }));
  return out;
}

test('reader plan: the largest table, its later files from where the earlier hold 45 % of its bytes', () => {
  assert.deepEqual(readerPlan(listing([10, 10, 10, 10]), 2), { table: 'transaction_items', from: 1, to: 4 });
  assert.deepEqual(readerPlan(listing([40, 5, 5, 50]), 2), { table: 'transaction_items', from: 2, to: 4 });
  // One file: the reader process reads all of it (alongside the other tables).
  assert.deepEqual(readerPlan(listing([5000]), 2), { table: 'transaction_items', from: 0, to: 1 });
  // A first file past the client's share: the reader process reads the whole table.
  assert.deepEqual(readerPlan(listing([90, 1]), 2), { table: 'transaction_items', from: 0, to: 2 });
  assert.equal(readerPlan(listing([10, 10]), 1), null);
});

test('reader plan: auto reads with two processes only from READER_PROCESS_MIN_BYTES and on two cores or more', () => {
  const quarter = READER_PROCESS_MIN_BYTES / 4;
  const big = listing([quarter, quarter, quarter, quarter]);
  assert.deepEqual(readerPlan(big, 'auto', 2), { table: 'transaction_items', from: 1, to: 4 });
  assert.equal(readerPlan(big, 'auto', 1), null);
  assert.equal(readerPlan(listing([quarter, quarter, quarter, quarter - 1]), 'auto', 8), null);
});

test('reader process flags: --files FROM:TO', () => {
  assert.deepEqual(readerFiles('2:24'), { from: 2, to: 24 });
  assert.equal(readerFiles(undefined), undefined);
  for (const bad of ['3:1', '1', 'a:b', '-1:2']) assert.throws(() => readerFiles(bad), /--files/);
});

test("a reader process starts with the client's V8 flags, ahead of the CLI", () => {
  assert.ok(CLIENT_V8_FLAGS.length > 0);
  const reader = readerProcessArgs('/d', 'transaction_items', {
    maxBatchBytes: 4096.5,
    maxRecordBytes: 1024,
    maxRowBytes: 2048,
    files: { from: 1, to: 3 },
  });
  assert.deepEqual(reader, [
    ...CLIENT_V8_FLAGS,
    CLI_BIN,
    'client',
    '--read-table',
    'transaction_items',
    '--data',
    '/d',
    '--batch-bytes',
    '4096',
    '--max-record-bytes',
    '1024',
    '--max-row-bytes',
    '2048',
    '--files',
    '1:3',
  ]);
});

test('reader process: started by hand, without its pipe on fd 3, it is a one-line usage error', () => {
  const r = spawnSync(
    process.execPath,
    [
      CLI_BIN,
      'client',
      '--read-table',
      'stores',
      '--data',
      os.tmpdir(),
      '--batch-bytes',
      '1',
      '--max-record-bytes',
      '1',
      '--max-row-bytes',
      '1',
    ],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
      encoding: 'utf8',
    },
  );
  assert.equal(r.status, 2);
  assert.match(
    r.stderr,
    /^coffee-analysis: client: --read-table is the client's own reader process: it writes to a pipe on fd 3, which is not open here\n$/,
  );
});
