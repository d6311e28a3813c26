import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Tombstones } from './tombstones.js';

const A = '11111111-1111-4111-8111-111111111111';
const B = '22222222-2222-4222-8222-222222222222';
const C = '33333333-3333-4333-8333-333333333333';

function tempDir(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'tomb-test-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('finished sessions persist across instances', async (t) => {
  const dir = tempDir(t);
  const t1 = new Tombstones(dir);
  assert.equal(t1.has(A), false);
  await t1.add(A);
  await t1.add(B);
  assert.ok(t1.has(A) && t1.has(B));
  const t2 = new Tombstones(dir);
  assert.ok(t2.has(A) && t2.has(B));
  assert.equal(t2.has(C), false);
  // The second instance keeps appending to the same list.
  await t2.add(C);
  const t3 = new Tombstones(dir);
  assert.ok(t3.has(A) && t3.has(B) && t3.has(C));
});

test('adding a session twice writes it once', async (t) => {
  const dir = tempDir(t);
  const ts = new Tombstones(dir);
  await ts.add(A);
  const file = path.join(dir, 'finished-sessions.log');
  const size = statSync(file).size;
  await ts.add(A);
  assert.equal(statSync(file).size, size);
  assert.equal(size, 8 + A.length);
});

test('reload picks up what another instance wrote, and survives a torn tail', async (t) => {
  const dir = tempDir(t);
  const reader = new Tombstones(dir);
  const writer = new Tombstones(dir);
  await writer.add(B);
  assert.equal(reader.has(B), false);
  reader.reload();
  assert.ok(reader.has(B));
  // A crash mid-append leaves half a record: the intact entries still load.
  const file = path.join(dir, 'finished-sessions.log');
  writeFileSync(file, Buffer.concat([readFileSync(file), Buffer.from([36, 0, 0, 0, 1, 2])]));
  const after = new Tombstones(dir);
  assert.ok(after.has(B));
  await after.add(C);
  const last = new Tombstones(dir);
  assert.ok(last.has(B) && last.has(C));
});
