import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ReaderRecordDecoder, RecordKind, encodeBatchRecordHead, encodeJsonRecord, type ReaderRecord } from './batch-records.js';
import type { TableBatch } from '../dataset/reader.js';

const batches: TableBatch[] = [
  { payload: Buffer.from('first payload'), rows: 3, inputBytes: 1234, rejects: [] },
  {
    payload: Buffer.alloc(0),
    rows: 0,
    inputBytes: 17,
    rejects: [{ file: 't/a "q".csv', line: 9, reason: 'quantity: not a number "x,y"' }],
  },
  { payload: Buffer.from(Array.from({ length: 70_000 }, (_, i) => i % 251)), rows: 5000, inputBytes: 2 ** 40 + 3, rejects: [] },
];

/** Every record of a reader's stream: the batches, then DONE. */
function stream(): Buffer {
  const parts: Buffer[] = [];
  for (const b of batches) parts.push(encodeBatchRecordHead(b), b.payload);
  parts.push(encodeJsonRecord(RecordKind.DONE, { cpuSeconds: 1.5, maxRssBytes: 99 }));
  return Buffer.concat(parts);
}

function expected(): ReaderRecord[] {
  return [
    ...batches.map((batch) => ({ kind: RecordKind.BATCH, batch })),
    { kind: RecordKind.DONE, resources: { cpuSeconds: 1.5, maxRssBytes: 99 } },
  ];
}

test('reader records: a stream cut at any byte decodes to the same records', () => {
  const all = stream();
  // Every cut point of the small records, and a sample of those in the large payload.
  for (let cut = 0; cut <= all.length; cut += cut < 200 || cut > all.length - 200 ? 1 : 997) {
    const d = new ReaderRecordDecoder();
    const got = [...d.push(all.subarray(0, cut)), ...d.push(all.subarray(cut))];
    assert.deepEqual(got, expected(), `cut at ${cut}`);
    assert.equal(d.pending, 0);
  }
});

test('reader records: one byte at a time, and a FAILED record carries code and message', () => {
  const all = Buffer.concat([
    stream().subarray(0, -encodeJsonRecord(RecordKind.DONE, { cpuSeconds: 1.5, maxRssBytes: 99 }).length),
    encodeJsonRecord(RecordKind.FAILED, { code: 'ERR_DATASET', message: 'm' }),
  ]);
  const d = new ReaderRecordDecoder();
  const got: ReaderRecord[] = [];
  for (let i = 0; i < all.length; i++) got.push(...d.push(all.subarray(i, i + 1)));
  assert.equal(got.length, batches.length + 1);
  assert.deepEqual(got.at(-1), { kind: RecordKind.FAILED, failure: { code: 'ERR_DATASET', message: 'm' } });
});

test('reader records: an unfinished record stays pending; an unknown kind is a broken stream', () => {
  const d = new ReaderRecordDecoder();
  const head = encodeBatchRecordHead(batches[0]);
  assert.deepEqual(d.push(head), []);
  assert.equal(d.pending, head.length);
  assert.throws(() => new ReaderRecordDecoder().push(Buffer.from([9, 0, 0, 0, 0, 0])), /unknown record kind 9/);
});
