import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, existsSync, readFileSync, writeFileSync, appendFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { WriteAheadLog } from './wal.js';
import { StorageError } from '../errors.js';

function tempDir(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'wal-test-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}
const rec = (i: number): Buffer => Buffer.from(`record-${i}-${'x'.repeat(i % 17)}`);
const strings = (bufs: Buffer[]): string[] => bufs.map((b) => b.toString());

async function writeRecords(file: string, n: number): Promise<void> {
  const wal = new WriteAheadLog(file);
  wal.readAll();
  for (let i = 0; i < n; i++) await wal.append(rec(i));
  wal.close();
}

test('appended records are read back in order by a new instance', async (t) => {
  const file = path.join(tempDir(t), 'sub', 'dir', 'a.wal'); // parent folders are created
  const wal = new WriteAheadLog(file);
  assert.deepEqual(wal.readAll(), []); // missing file: nothing
  await wal.append(Buffer.from('one'));
  await wal.append(Buffer.alloc(0)); // empty records are records too
  await wal.append(Buffer.from([0, 1, 2, 255]));
  wal.close();
  const got = new WriteAheadLog(file).readAll();
  assert.deepEqual(
    got.map((b) => [...b]),
    [[...Buffer.from('one')], [], [0, 1, 2, 255]],
  );
  // Record layout: u32 length | u32 crc | bytes (8 bytes of header per record).
  assert.equal(statSync(file).size, 3 + 0 + 4 + 3 * 8);
});

test('appending to an existing log after readAll continues it (no truncation of good data)', async (t) => {
  const file = path.join(tempDir(t), 'a.wal');
  await writeRecords(file, 3);
  const wal = new WriteAheadLog(file);
  assert.equal(wal.readAll().length, 3);
  await wal.append(Buffer.from('four'));
  wal.close();
  assert.deepEqual(strings(new WriteAheadLog(file).readAll()), [...strings([rec(0), rec(1), rec(2)]), 'four']);
});

test('a torn tail (file cut mid-record) is ignored, then overwritten by the next append', async (t) => {
  const dir = tempDir(t);
  const file = path.join(dir, 'a.wal');
  await writeRecords(file, 5);
  const full = statSync(file).size;
  const lastLen = 8 + rec(4).length;
  // Cut inside the last record's body, and inside its header.
  for (const cut of [full - 3, full - lastLen + 5]) {
    const f = path.join(dir, `cut-${cut}.wal`);
    writeFileSync(f, readFileSync(file).subarray(0, cut));
    const wal = new WriteAheadLog(f);
    assert.deepEqual(strings(wal.readAll()), strings([rec(0), rec(1), rec(2), rec(3)]), `cut at ${cut}`);
    await wal.append(Buffer.from('after-1'));
    await wal.append(Buffer.from('after-2'));
    wal.close();
    const again = new WriteAheadLog(f).readAll();
    assert.deepEqual(strings(again), [...strings([rec(0), rec(1), rec(2), rec(3)]), 'after-1', 'after-2'], `cut at ${cut}`);
    // The torn bytes are gone, not left in the middle of the file.
    assert.equal(statSync(f).size, full - lastLen + 2 * (8 + 7));
  }
});

test('garbage bytes after the last record are ignored, then overwritten', async (t) => {
  const file = path.join(tempDir(t), 'a.wal');
  await writeRecords(file, 2);
  appendFileSync(file, Buffer.from([0xde, 0xad, 0xbe, 0xef, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07])); // 11 bytes: a "header" and junk
  const wal = new WriteAheadLog(file);
  assert.deepEqual(strings(wal.readAll()), strings([rec(0), rec(1)]));
  await wal.append(Buffer.from('next'));
  wal.close();
  assert.deepEqual(strings(new WriteAheadLog(file).readAll()), [...strings([rec(0), rec(1)]), 'next']);
});

test('a corrupted byte (crc mismatch) stops reading at that record', async (t) => {
  const file = path.join(tempDir(t), 'a.wal');
  await writeRecords(file, 4);
  const data = readFileSync(file);
  // Flip one byte in the body of record 1 (records 2 and 3 are intact but must not be trusted).
  const off = 8 + rec(0).length + 8 + 2;
  data[off] = data[off] ^ 0x40;
  writeFileSync(file, data);
  assert.deepEqual(strings(new WriteAheadLog(file).readAll()), strings([rec(0)]));
  // Corrupting the stored crc itself has the same effect.
  const data2 = readFileSync(file);
  data2[4] = data2[4] ^ 1; // crc of record 0
  writeFileSync(file, data2);
  assert.deepEqual(new WriteAheadLog(file).readAll(), []);
});

test('concurrent appends are group-committed: all resolve, all durable, in call order', async (t) => {
  const file = path.join(tempDir(t), 'a.wal');
  const wal = new WriteAheadLog(file);
  wal.readAll();
  const n = 500;
  const promises = Array.from({ length: n }, (_, i) => wal.append(rec(i)));
  // Nothing is written synchronously: the flush happens once, on the next turn.
  assert.equal(existsSync(file), false);
  await promises[0];
  // By the time the first append resolved, the whole group is on disk (one write for all).
  assert.equal(new WriteAheadLog(file).readAll().length, n);
  await Promise.all(promises);
  // A second group appends after the first.
  await Promise.all([wal.append(Buffer.from('g2-a')), wal.append(Buffer.from('g2-b'))]);
  wal.close();
  const got = strings(new WriteAheadLog(file).readAll());
  assert.deepEqual(got, [...Array.from({ length: n }, (_, i) => rec(i).toString()), 'g2-a', 'g2-b']);
});

test('destroy closes and deletes the log', async (t) => {
  const file = path.join(tempDir(t), 'a.wal');
  const wal = new WriteAheadLog(file);
  wal.readAll();
  await wal.append(Buffer.from('x'));
  assert.ok(existsSync(file));
  wal.destroy();
  assert.equal(existsSync(file), false);
  assert.deepEqual(new WriteAheadLog(file).readAll(), []);
  wal.destroy(); // idempotent
});

test('an instance reused after destroy starts a clean log', async (t) => {
  const file = path.join(tempDir(t), 'a.wal');
  const wal = new WriteAheadLog(file);
  wal.readAll();
  await wal.append(Buffer.from('before'));
  wal.destroy();
  await wal.append(Buffer.from('after'));
  wal.close();
  // Without resetting its write offset the new file would start with a hole of zeros, which
  // reads back as phantom empty records.
  assert.deepEqual(strings(new WriteAheadLog(file).readAll()), ['after']);
  assert.equal(statSync(file).size, 8 + 5);
});

test('wal: a zero-filled tail (left by a crash on some filesystems) is not read as records', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'wal-zero-'));
  const file = path.join(dir, 'z.wal');
  const wal = new WriteAheadLog(file);
  wal.readAll();
  await wal.append(Buffer.from('kept'));
  wal.close();
  appendFileSync(file, Buffer.alloc(64));
  const again = new WriteAheadLog(file);
  assert.deepEqual(
    again.readAll().map((b) => b.toString()),
    ['kept'],
  );
  await again.append(Buffer.from('next'));
  again.close();
  assert.deepEqual(
    new WriteAheadLog(file).readAll().map((b) => b.toString()),
    ['kept', 'next'],
  );
});

test('wal: appending without reading first keeps the records already on disk', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'wal-lazy-'));
  const file = path.join(dir, 'l.wal');
  const first = new WriteAheadLog(file);
  await first.append(Buffer.from('one'));
  first.close();
  const second = new WriteAheadLog(file);
  await second.append(Buffer.from('two'));
  second.close();
  assert.deepEqual(
    new WriteAheadLog(file).readAll().map((b) => b.toString()),
    ['one', 'two'],
  );
});

test('wal: a log that cannot be read or written is a StorageError naming the file', async (t) => {
  const dir = tempDir(t);
  // A folder where the log file should be: readFileSync fails with EISDIR.
  const unreadable = path.join(dir, 'is-a-folder.log');
  mkdirSync(unreadable);
  assert.throws(
    () => new WriteAheadLog(unreadable).readAll(),
    (e: unknown) => e instanceof StorageError && e.code === 'ERR_STORAGE' && e.message.includes(unreadable),
  );
  // A file where the log's folder should be: mkdir/open fail on append.
  writeFileSync(path.join(dir, 'not-a-folder'), 'x');
  const unwritable = new WriteAheadLog(path.join(dir, 'not-a-folder', 'x.log'));
  await assert.rejects(unwritable.append(rec(1)), (e: unknown) => e instanceof StorageError && e.message.includes('not-a-folder'));
});

test('records are streamed in chunks: records larger than a chunk, chunk boundaries, a torn tail (issue 9 #15)', async (t) => {
  const file = path.join(tempDir(t), 'big.wal');
  const wal = new WriteAheadLog(file);
  wal.readAll();
  const want: Buffer[] = [];
  for (let i = 0; i < 200; i++) want.push(Buffer.alloc((i * 37) % 101, i & 0xff));
  for (const r of want) await wal.append(r);
  wal.close();
  // A torn record with a huge length: no allocation of that size, no record, truncated on append.
  appendFileSync(file, Buffer.from([0xff, 0xff, 0xff, 0x7f, 1, 2, 3, 4, 5]));
  for (const chunk of [7, 8, 64, 1 << 20]) {
    const reader = new WriteAheadLog(file);
    const got = [...reader.records(chunk)];
    assert.equal(got.length, want.length, `chunk ${chunk}`);
    assert.ok(
      got.every((g, i) => g.equals(want[i])),
      `chunk ${chunk}`,
    );
  }
  const again = new WriteAheadLog(file);
  again.readAll();
  await again.append(Buffer.from('after'));
  again.close();
  const all = new WriteAheadLog(file).readAll();
  assert.equal(all.length, 201);
  assert.equal(all[200].toString(), 'after');
});
