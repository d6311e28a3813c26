import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { writeFileAtomic, writeFileAtomicStreamed } from './atomic.js';

test('writeFileAtomic creates folders, writes, replaces, and leaves no temp file', (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'atomic-test-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'a', 'b', 'state.json');
  writeFileAtomic(file, '{"v":1}');
  assert.equal(readFileSync(file, 'utf8'), '{"v":1}');
  writeFileAtomic(file, Buffer.from([1, 2, 3]));
  assert.deepEqual([...readFileSync(file)], [1, 2, 3]);
  assert.deepEqual(readdirSync(path.dirname(file)), ['state.json']);
  // Shorter content replaces longer content entirely (no stale tail).
  writeFileAtomic(file, 'x'.repeat(1000));
  writeFileAtomic(file, 'y');
  assert.equal(readFileSync(file, 'utf8'), 'y');
});

test('writeFileAtomicStreamed writes the chunks in order and replaces the file', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'atomic-test-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'out', 'report.csv');
  writeFileAtomic(file, 'old content that is longer', { durable: false });
  async function* chunks(): AsyncGenerator<string> {
    for (let i = 0; i < 1000; i++) {
      // A producer that really is asynchronous, as the client's spool reader may be.
      if (i % 100 === 0) await new Promise<void>((resolve) => setImmediate(resolve));
      yield `${i},${'z'.repeat(100)}\n`;
    }
  }
  await writeFileAtomicStreamed(file, chunks());
  const lines = readFileSync(file, 'utf8').split('\n');
  assert.equal(lines.length, 1001);
  assert.equal(lines[999], `999,${'z'.repeat(100)}`);
  assert.deepEqual(readdirSync(path.dirname(file)), ['report.csv']);
});
