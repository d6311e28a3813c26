import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CLI_BIN } from '../node/config/paths.js';
import { CLIENT_V8_FLAGS, CLIENT_V8_FLAGS_MIN_BYTES, clientV8Flags } from '../node/v8-flags.js';
import { clientProcessArgs, datasetBytes } from './process.js';

test("a client process: its V8 flags ahead of the CLI, then the client's arguments", () => {
  const client = clientProcessArgs(
    { data: '/d', out: '/o', gateways: ['h:1', 'h:2'], htmlReport: false, readers: 2 },
    '/s.json',
    CLIENT_V8_FLAGS,
  );
  assert.deepEqual(client, [
    ...CLIENT_V8_FLAGS,
    CLI_BIN,
    'client',
    '--data',
    '/d',
    '--out',
    '/o',
    '--gateways',
    'h:1,h:2',
    '--summary-json',
    '/s.json',
    '--no-progress',
    '--no-html',
    '--readers',
    '2',
  ]);
});

test('a client gets the V8 flags from CLIENT_V8_FLAGS_MIN_BYTES of input, none below', () => {
  assert.ok(CLIENT_V8_FLAGS.length > 0);
  assert.deepEqual(clientV8Flags(0), []);
  assert.deepEqual(clientV8Flags(CLIENT_V8_FLAGS_MIN_BYTES - 1), []);
  assert.deepEqual(clientV8Flags(CLIENT_V8_FLAGS_MIN_BYTES), CLIENT_V8_FLAGS);
});

test("a dataset's size is its tables' CSV files (other files and folders aside); an unreadable one is 0", async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'dataset-bytes-'));
  try {
    mkdirSync(path.join(dir, 'transactions'));
    mkdirSync(path.join(dir, 'stores'));
    mkdirSync(path.join(dir, 'elsewhere'));
    writeFileSync(path.join(dir, 'transactions', 'a.csv'), 'x'.repeat(100));
    writeFileSync(path.join(dir, 'transactions', 'b.CSV'), 'x'.repeat(20));
    writeFileSync(path.join(dir, 'transactions', 'notes.txt'), 'x'.repeat(1000));
    writeFileSync(path.join(dir, 'stores', 'stores.csv'), 'x'.repeat(3));
    writeFileSync(path.join(dir, 'elsewhere', 'c.csv'), 'x'.repeat(5000));
    assert.equal(await datasetBytes(dir), 123);
    assert.equal(await datasetBytes(path.join(dir, 'missing')), 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
