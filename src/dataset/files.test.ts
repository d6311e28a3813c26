import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { datasetBytes } from './files.js';

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
