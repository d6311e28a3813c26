import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileChunks } from './chunks.js';
import { CsvParser } from './parser.js';

function withFile(bytes: Buffer, body: (file: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'chunks-'));
  const file = path.join(dir, 'f.csv');
  writeFileSync(file, bytes);
  return body(file).finally(() => rmSync(dir, { recursive: true, force: true }));
}

test('fileChunks: the chunks are the file in order, at most `size` bytes each; an empty file has none', async () => {
  const bytes = Buffer.from(Array.from({ length: 1000 }, (_, i) => (i * 31) % 251));
  for (const size of [1, 7, 333, 1000, 4096]) {
    await withFile(bytes, async (file) => {
      const got: Buffer[] = [];
      for await (const c of fileChunks(file, size)) {
        assert.ok(c.length > 0 && c.length <= size);
        got.push(Buffer.from(c));
      }
      assert.deepEqual(Buffer.concat(got), bytes, `size ${size}`);
    });
  }
  await withFile(Buffer.alloc(0), async (file) => {
    for await (const c of fileChunks(file, 16)) assert.fail(`a chunk of ${c.length} bytes from an empty file`);
  });
});

test('fileChunks: a chunk stays intact until two more chunks were taken (the parser keeps only the latest)', async () => {
  const bytes = Buffer.from('aaaaaaaabbbbbbbbccccccccddddddddeeeeeeee');
  await withFile(bytes, async (file) => {
    const held: Array<{ view: Buffer; copy: string }> = [];
    for await (const c of fileChunks(file, 8)) {
      held.push({ view: c, copy: c.toString() });
      // The chunk before the previous one may be reused now; the previous one may not.
      if (held.length >= 2) assert.equal(held[held.length - 2].view.toString(), held[held.length - 2].copy);
    }
    assert.deepEqual(
      held.map((h) => h.copy),
      ['aaaaaaaa', 'bbbbbbbb', 'cccccccc', 'dddddddd', 'eeeeeeee'],
    );
  });
});

test('fileChunks: a consumer that stops early closes the file (no read left in flight)', async () => {
  await withFile(Buffer.alloc(1 << 16, 0x61), async (file) => {
    for await (const c of fileChunks(file, 1024)) {
      assert.equal(c.length, 1024);
      break;
    }
  });
});

test('CSV parser fed the same buffer again with new bytes: a quote in the new bytes is seen (plainUpTo)', () => {
  const p = new CsvParser();
  const buf = Buffer.from('a,b\n1,2\n');
  p.feed(buf);
  assert.ok(p.next()); // the header
  assert.ok(p.fastReady());
  assert.equal(p.plainUpTo(7), true); // no quote in this buffer (and the parser remembers that)
  assert.ok(p.next());
  assert.equal(p.next(), false);
  // The same buffer object, refilled: a quoted field now.
  Buffer.from('"x",3\n1\n').copy(buf);
  p.feed(buf);
  assert.ok(p.fastReady());
  assert.equal(p.plainUpTo(5), false);
});
