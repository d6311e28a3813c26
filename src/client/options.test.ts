import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveClientOptions } from './options.js';
import { MAX_BATCH_PAYLOAD_BYTES } from '../protocol/wire/messages.js';
import { UsageError } from '../node/errors.js';

const base = { data: 'd', out: 'o', gateways: ['127.0.0.1:1'] };

test('client options: batches are as large as a gateway frame takes by default, smaller on request', () => {
  // Every batch costs each stage a message or more: the largest measured best (README, Performance).
  assert.equal(resolveClientOptions(base).maxBatchBytes, MAX_BATCH_PAYLOAD_BYTES);
  assert.equal(resolveClientOptions({ ...base, maxBatchBytes: 64 * 1024 }).maxBatchBytes, 64 * 1024);
});

test('client options: a batch bound a gateway frame cannot carry is a usage error naming the most', () => {
  for (const bad of [MAX_BATCH_PAYLOAD_BYTES + 1, 8 * 1024 * 1024, 0, -1, Number.NaN])
    assert.throws(
      () => resolveClientOptions({ ...base, maxBatchBytes: bad }),
      (e: unknown) => e instanceof UsageError && /at most \d+ bytes \(--batch-kb 8191\)/.test(e.message),
      String(bad),
    );
});
