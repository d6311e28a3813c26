import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CoffeeError, ErrorCode, RETRYABLE, isErrorCode, isRetryable, BusyError, ConfigError } from './errors.js';

test('errors: every code is a distinct ERR_ string with a retry rule', () => {
  const codes = Object.values(ErrorCode);
  assert.equal(new Set(codes).size, codes.length);
  for (const c of codes) {
    assert.match(c, /^ERR_[A-Z_]+$/);
    assert.equal(typeof RETRYABLE[c], 'boolean', c);
  }
  assert.deepEqual(Object.keys(RETRYABLE).sort(), [...codes].sort());
});

test('errors: a client retries transient conditions and transport failures, not the rest', () => {
  for (const c of [ErrorCode.BUSY, ErrorCode.CONTROLLER_TIMEOUT, ErrorCode.BROKER, ErrorCode.INTERNAL, ErrorCode.LINK])
    assert.equal(isRetryable(new CoffeeError(c, 'x')), true, c);
  for (const c of [ErrorCode.SESSION_FINISHED, ErrorCode.SESSION_ID, ErrorCode.FRAME_MALFORMED, ErrorCode.GATEWAY, ErrorCode.REFUSED])
    assert.equal(isRetryable(new CoffeeError(c, 'x')), false, c);
  assert.equal(isRetryable(new Error('socket hang up')), true);
  assert.equal(isRetryable(new BusyError()), true);
  assert.equal(isRetryable(new ConfigError('bad')), false);
});

test('errors: isErrorCode accepts catalogue values only', () => {
  assert.equal(isErrorCode('ERR_BUSY'), true);
  assert.equal(isErrorCode('ERR_NOPE'), false);
  assert.equal(isErrorCode(42), false);
});

test('redactUrl hides the password, also with a raw / or @ in it (issue 9 #18)', async () => {
  const { redactUrl } = await import('./errors.js');
  assert.equal(redactUrl('amqp://guest:guest@localhost:5672/'), 'amqp://guest:***@localhost:5672/');
  assert.equal(redactUrl('amqp://app:s3/cr@t/x@rabbit:5672/vhost'), 'amqp://app:***@rabbit:5672/vhost');
  assert.equal(redactUrl('amqps://u:p%2Fq@h'), 'amqps://u:***@h');
  assert.equal(redactUrl('amqp://localhost:5672/'), 'amqp://localhost:5672/');
  assert.equal(redactUrl('amqp://user@host/'), 'amqp://user@host/');
});
