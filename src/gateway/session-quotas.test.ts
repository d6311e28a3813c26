import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isCoffeeError } from '../node/errors.js';
import { SessionQuotas, type GatewayQuotaLimits } from './session-quotas.js';

const A = '5e5e5e5e-0000-4000-8000-00000000000a';
const B = '5e5e5e5e-0000-4000-8000-00000000000b';
const LIMITS: GatewayQuotaLimits = { rows: 10, bytes: 1000, batches: 100, referenceBatches: 5, referenceRows: 4 };

function quotaKey(fn: () => void): string | undefined {
  try {
    fn();
    return undefined;
  } catch (err) {
    assert.ok(isCoffeeError(err) && err.code === 'ERR_QUOTA', `expected ERR_QUOTA, got ${String(err)}`);
    return /quotas\.(\w+)/.exec(err.message)?.[1];
  }
}

test('each session has its own counts; a refused batch counts nothing', () => {
  const q = new SessionQuotas(LIMITS);
  q.admit(A, 'transactions', 0, 8, 100);
  q.admit(B, 'transactions', 0, 8, 100);
  assert.equal(
    quotaKey(() => q.admit(A, 'transactions', 1, 3, 100)),
    'rows',
  );
  q.admit(A, 'transactions', 1, 2, 100); // the refused 3 rows were not counted
  assert.equal(
    quotaKey(() => q.admit(A, 'transactions', 2, 1, 1)),
    'rows',
  );
  assert.equal(
    quotaKey(() => q.admit(B, 'transaction_items', 0, 1, 901)),
    'bytes',
  );
});

test('batch sequence numbers: data and reference tables have their own limit', () => {
  const q = new SessionQuotas(LIMITS);
  q.admit(A, 'transactions', 99, 1, 1);
  assert.equal(
    quotaKey(() => q.admit(A, 'transactions', 100, 1, 1)),
    'batches',
  );
  q.admit(A, 'stores', 4, 1, 1);
  assert.equal(
    quotaKey(() => q.admit(A, 'stores', 5, 1, 1)),
    'reference_batches',
  );
  assert.equal(
    quotaKey(() => q.checkTableEnd('menu_items', 6)),
    'reference_batches',
  );
  q.checkTableEnd('transaction_items', 100);
});

test('rows per reference table, each table on its own', () => {
  const q = new SessionQuotas(LIMITS);
  q.admit(A, 'users', 0, 4, 10);
  q.admit(A, 'stores', 0, 4, 10);
  assert.equal(
    quotaKey(() => q.admit(A, 'users', 1, 1, 10)),
    'reference_rows',
  );
});

test('forget() drops a finished session; a session idle for forgetMs is pruned (bounded memory)', () => {
  let now = 0;
  const q = new SessionQuotas(LIMITS, 1000, () => now);
  q.admit(A, 'transactions', 0, 10, 1);
  q.forget(A);
  q.admit(A, 'transactions', 1, 10, 1); // counts start over
  q.admit(B, 'transactions', 0, 1, 1);
  assert.equal(q.size, 2);
  now = 600;
  q.admit(B, 'transactions', 1, 1, 1);
  now = 1500; // A idle 1500 ms (pruned), B 900 ms (kept)
  q.admit(B, 'transactions', 2, 1, 1);
  assert.equal(q.size, 1);
});
