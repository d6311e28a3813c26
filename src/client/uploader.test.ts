import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Uploader } from './uploader.js';
import { TABLE_CODES } from '../dataset/tables.js';

test('uploader: two tables uploaded at once never have more than the window in flight, and both get room', async () => {
  const window = 3;
  const up = new Uploader(window, false);
  const sent: Array<['transactions' | 'transaction_items', number]> = [];
  let maxInFlight = 0;
  const upload = async (table: 'transactions' | 'transaction_items', n: number): Promise<void> => {
    for (let seq = 0; seq < n; seq++) {
      await up.space();
      await up.send(table, seq, Buffer.from([seq]));
      sent.push([table, seq]);
      maxInFlight = Math.max(maxInFlight, up.unacked);
    }
  };
  const both = Promise.all([upload('transactions', 20), upload('transaction_items', 20)]);
  // Acknowledge the oldest batch whenever the window is full, until everything is sent (bounded).
  for (let i = 0; i < 1000 && sent.length < 40; i++) {
    await new Promise((r) => setImmediate(r));
    const oldest = sent.find(([t, s]) => up.batchAcked(TABLE_CODES[t], s) !== undefined);
    assert.ok(oldest !== undefined || up.unacked < window, 'a full window always has something to acknowledge');
  }
  assert.equal(sent.length, 40, 'every batch of both tables was sent');
  await both;
  assert.ok(maxInFlight <= window, `at most ${window} in flight, saw ${maxInFlight}`);
  assert.equal(maxInFlight, window, 'the window is used');
});
