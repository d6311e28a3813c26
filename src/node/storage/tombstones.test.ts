import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync, readFileSync } from 'node:fs';
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

test('retention is bounded: past twice the retention the log keeps the newest sessions only, across reloads', async (t) => {
  const dir = tempDir(t);
  const ts = new Tombstones(dir, 100);
  const id = (i: number): string => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
  for (let i = 0; i < 450; i++) await ts.add(id(i));
  assert.ok(ts.size < 200, `kept ${ts.size}`);
  assert.ok(ts.has(id(449)) && ts.has(id(350)), 'the newest are kept');
  assert.equal(ts.has(id(0)), false, 'the oldest are forgotten');
  const size = statSync(path.join(dir, 'finished-sessions.log')).size;
  assert.ok(size < 200 * 48, `log of ${size} bytes`);
  const again = new Tombstones(dir, 100);
  assert.equal(again.size, ts.size);
  assert.ok(again.has(id(449)) && !again.has(id(0)));
  await again.add(id(450));
  assert.ok(new Tombstones(dir, 100).has(id(450)), 'appends after a compaction persist');
});

test('concurrent adds across a compaction all persist', async (t) => {
  const dir = tempDir(t);
  const ts = new Tombstones(dir, 50);
  const id = (i: number): string => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
  await Promise.all(Array.from({ length: 260 }, (_, i) => ts.add(id(i))));
  const again = new Tombstones(dir, 50);
  for (let i = 210; i < 260; i++) assert.ok(again.has(id(i)), `newest ${i} kept`);
  assert.ok(again.size <= 100, `kept ${again.size}`);
});

test('a session is marked finished only once the marker is on disk: a failed write leaves it unfinished', async (t) => {
  const dir = tempDir(t);
  const ts = new Tombstones(dir);
  // The log cannot be written (its path is a directory): as on a full disk, the append fails.
  mkdirSync(path.join(dir, 'finished-sessions.log'));
  await assert.rejects(ts.add(A));
  assert.equal(ts.has(A), false, 'not finished in memory either: a redelivered cleanup must do the work again');
  rmSync(path.join(dir, 'finished-sessions.log'), { recursive: true });
  const retry = new Tombstones(dir);
  await retry.add(A);
  assert.ok(retry.has(A) && new Tombstones(dir).has(A));
});
