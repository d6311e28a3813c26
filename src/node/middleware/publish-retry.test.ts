import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isTransientPublishError, publishWithRetry, PublishGaveUp } from './publish-retry.js';

/** An error as rabbitmq-client raises them (AMQPError and subclasses): a message and a reply code. */
const amqp = (code: string, message = code): Error & { code: string } => Object.assign(new Error(message), { code });
const nack = (): Error => amqp('NACK', 'message rejected by server');

test('a nack, a lost channel or connection, a timeout are transient; a refused or unknown target is not', () => {
  assert.equal(isTransientPublishError(nack()), true);
  assert.equal(isTransientPublishError(amqp('CH_CLOSE', 'channel is closed')), true);
  assert.equal(isTransientPublishError(amqp('CONN_CLOSE', 'socket closed')), true);
  assert.equal(isTransientPublishError(amqp('TIMEOUT', 'timed out')), true);
  assert.equal(isTransientPublishError(new Error('anything else')), true);
  assert.equal(isTransientPublishError(amqp('NOT_FOUND', 'no exchange')), false);
  assert.equal(isTransientPublishError(amqp('ACCESS_REFUSED', 'no')), false);
  assert.equal(isTransientPublishError(amqp('CLOSED', 'publisher is closed')), false);
});

test('nacks during a leader election: retried with a back-off until the broker confirms', async () => {
  let calls = 0;
  const times: number[] = [];
  await publishWithRetry(
    () => {
      times.push(Date.now());
      return ++calls < 4 ? Promise.reject(nack()) : Promise.resolve();
    },
    { patienceMs: 5000, retryLowMs: 20, retryHighMs: 200 },
  );
  assert.equal(calls, 4);
  // Not immediate: each retry waited (at least half its back-off).
  assert.ok(times[3] - times[0] >= 10 + 20 + 40 - 5, `waited ${times[3] - times[0]} ms`);
});

test('a permanent error fails at once, without retrying', async () => {
  let calls = 0;
  await assert.rejects(
    publishWithRetry(
      () => {
        calls++;
        return Promise.reject(amqp('NOT_FOUND', 'no exchange'));
      },
      { patienceMs: 5000 },
    ),
    (err: unknown) => err instanceof PublishGaveUp && !err.patienceExhausted && err.attempts === 1,
  );
  assert.equal(calls, 1);
});

test('bounded: still nacked when patience runs out -> PublishGaveUp with patienceExhausted', async () => {
  let calls = 0;
  const t = Date.now();
  await assert.rejects(
    publishWithRetry(
      () => {
        calls++;
        return Promise.reject(nack());
      },
      { patienceMs: 300, retryLowMs: 20, retryHighMs: 50 },
    ),
    (err: unknown) => err instanceof PublishGaveUp && err.patienceExhausted && (err.last as { code: string }).code === 'NACK',
  );
  const took = Date.now() - t;
  assert.ok(took >= 300 && took < 2000, `gave up after ${took} ms`);
  assert.ok(calls > 3);
});

test('closing stops the retries', async () => {
  let closed = false;
  let calls = 0;
  await assert.rejects(
    publishWithRetry(
      () => {
        if (++calls === 2) closed = true;
        return Promise.reject(nack());
      },
      { patienceMs: 5000, retryLowMs: 5, closed: () => closed },
    ),
    PublishGaveUp,
  );
  assert.equal(calls, 2);
});
