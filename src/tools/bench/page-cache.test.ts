import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { warmPageCache } from './page-cache.js';

test('warmPageCache reads every byte of every file under each folder, nested folders included', async (t) => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'page-cache-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  mkdirSync(path.join(root, 'a', 'transactions'), { recursive: true });
  mkdirSync(path.join(root, 'b'), { recursive: true });
  writeFileSync(path.join(root, 'a', 'transactions', 'big.csv'), Buffer.alloc(3 * (1 << 20) + 17, 0x61)); // several reads
  writeFileSync(path.join(root, 'a', 'empty.csv'), '');
  writeFileSync(path.join(root, 'b', 'small.csv'), 'x,y\n');
  const r = await warmPageCache([path.join(root, 'a'), path.join(root, 'b')]);
  assert.equal(r.bytes, 3 * (1 << 20) + 17 + 4);
  assert.ok(r.seconds >= 0);
});
