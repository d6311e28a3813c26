import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { COMPLETE_MARKER, datasetDir, ensureDataset } from './dataset-cache.js';

test('ensureDataset generates once, reuses with the marker, regenerates without it', async () => {
  const cache = mkdtempSync(path.join(os.tmpdir(), 'bench-cache-'));
  try {
    const first = await ensureDataset(cache, 0.0001, 3);
    assert.equal(first.dir, datasetDir(cache, 0.0001, 3));
    assert.equal(first.generated, true);
    assert.ok(first.bytes > 0 && (first.rows.transactions ?? 0) > 0);
    assert.ok(existsSync(path.join(first.dir, COMPLETE_MARKER)));

    const again = await ensureDataset(cache, 0.0001, 3);
    assert.equal(again.generated, false);
    assert.deepEqual({ bytes: again.bytes, rows: again.rows }, { bytes: first.bytes, rows: first.rows });

    // An interrupted generation leaves no marker: never reused.
    unlinkSync(path.join(first.dir, COMPLETE_MARKER));
    assert.equal((await ensureDataset(cache, 0.0001, 3)).generated, true);
    writeFileSync(path.join(first.dir, COMPLETE_MARKER), 'garbage');
    assert.equal((await ensureDataset(cache, 0.0001, 3)).generated, true);

    assert.notEqual(datasetDir(cache, 0.0001, 4), first.dir);
  } finally {
    rmSync(cache, { recursive: true, force: true });
  }
});
