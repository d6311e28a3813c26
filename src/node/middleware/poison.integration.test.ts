import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Connection } from 'rabbitmq-client';
import { Broker, DEAD_LETTER_BOUNDS, type InMessage } from './broker.js';
import { deadLetterQueue, isMessageFault } from './poison.js';
import { createLogger } from '../log.js';
import { AMQP_URL } from '../../testing/harness.js';
import { ProtocolError, StorageError, BrokerUnreachableError, ErrorCode } from '../errors.js';

/**
 * Poison messages (issue 9, finding 12) on the real broker: a message whose handler always
 * throws is retried a bounded number of times with back-off, then moved to `<queue>.dead-letter`
 * with the error, and the queue moves on to the next message. Before, it was requeued at once,
 * for ever (CPU spin, log spam, the queue stuck behind it).
 */
const log = createLogger('poison-test', 'silent');

async function until(cond: () => boolean | Promise<boolean>, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('a message its handler keeps failing on is dead-lettered after bounded deliveries, and the next one is handled', async (t) => {
  const broker = await Broker.connect(AMQP_URL, log, 'poison-test', { poison: { maxDeliveries: 4, retryBaseMs: 20, retryMaxMs: 100 } });
  const queue = `coffee-test-poison-${randomUUID()}`;
  const dlq = deadLetterQueue(queue);
  t.after(async () => {
    await broker.deleteQueue(queue).catch(() => undefined);
    await broker.deleteQueue(dlq).catch(() => undefined);
    await broker.close();
  });
  await broker.declareQueues([queue]);
  const attempts = new Map<string, number>();
  const handled: string[] = [];
  const consumer = broker.consume({ queue, prefetch: 4, concurrency: 1 }, (msg: InMessage) => {
    attempts.set(msg.id, (attempts.get(msg.id) ?? 0) + 1);
    if (msg.id === 'poison') return Promise.reject(new SyntaxError('Unexpected token in JSON'));
    handled.push(msg.id);
    return Promise.resolve();
  });
  t.after(() => broker.stopConsumer(consumer));
  await broker.publish({ queue, type: 'complete', id: 'poison', session: 's-1', body: Buffer.from('not json') });
  await broker.publish({ queue, type: 'complete', id: 'honest', session: 's-2', body: Buffer.from('{}') });

  await until(() => handled.includes('honest'), 20_000, 'the honest message after the poison one');
  await until(async () => (await broker.queueDepth(dlq)) === 1, 20_000, 'the poison message in the dead-letter queue');
  assert.equal(attempts.get('poison'), 4, 'exactly maxDeliveries attempts');
  assert.equal(await broker.queueDepth(queue), 0);

  // The dead-lettered copy keeps the message and says why.
  const got = await new Promise<InMessage>((resolve) => {
    const c = broker.consume({ queue: dlq, prefetch: 1, concurrency: 1 }, (m) => {
      resolve(m);
      return Promise.resolve();
    });
    t.after(() => broker.stopConsumer(c));
  });
  assert.equal(got.id, 'poison');
  assert.equal(got.session, 's-1');
  assert.equal(got.body.toString(), 'not json');
  assert.match(String(got.headers['x-coffee-error']), /SyntaxError/);
  assert.equal(got.headers['x-coffee-queue'], queue);
});

test('failures of the infrastructure (broker, disk) never count against a message', () => {
  assert.equal(isMessageFault(new SyntaxError('x'), true), true);
  assert.equal(isMessageFault(new ProtocolError(ErrorCode.BATCH_MALFORMED, 'x'), true), true);
  assert.equal(isMessageFault(new SyntaxError('x'), false), false, 'broker connection down');
  assert.equal(isMessageFault(new StorageError('disk full'), true), false);
  assert.equal(isMessageFault(Object.assign(new Error('write'), { code: 'ENOSPC' }), true), false);
  assert.equal(isMessageFault(new BrokerUnreachableError('amqp://x', undefined, 1000), true), false);
});

test('a dead-letter queue is bounded: past DEAD_LETTER_BOUNDS the oldest poison messages are dropped, the newest kept', async (t) => {
  const broker = await Broker.connect(AMQP_URL, log, 'poison-bound-test');
  const dlq = deadLetterQueue(`coffee-test-poison-${randomUUID()}`);
  t.after(async () => {
    await broker.deleteQueue(dlq).catch(() => undefined);
    await broker.close();
  });
  await broker.declareQueues([dlq]);
  const max = DEAD_LETTER_BOUNDS['x-max-length'];
  const total = max + 5;
  for (let from = 0; from < total; from += 1000) {
    const n = Math.min(1000, total - from);
    await broker.publishAll(
      Array.from({ length: n }, (_, i) => ({
        queue: dlq,
        type: 'result' as const,
        id: `m${from + i}`,
        session: 's',
        body: Buffer.from('x'),
      })),
    );
  }
  assert.equal(await broker.queueDepth(dlq), max);
  const first = await new Promise<InMessage>((resolve) => {
    const c = broker.consume({ queue: dlq, prefetch: 1, concurrency: 1 }, (m) => {
      resolve(m);
      return Promise.resolve();
    });
    t.after(() => broker.stopConsumer(c));
  });
  assert.equal(first.id, 'm5', 'the five oldest were dropped');
});

test('a dead-letter queue declared unbounded (by an earlier version) is used as it is: the poison message is kept, no loop', async (t) => {
  const broker = await Broker.connect(AMQP_URL, log, 'poison-legacy-test', {
    poison: { maxDeliveries: 2, retryBaseMs: 10, retryMaxMs: 20 },
  });
  const queue = `coffee-test-poison-${randomUUID()}`;
  const dlq = deadLetterQueue(queue);
  const raw = new Connection(AMQP_URL);
  t.after(async () => {
    await broker.deleteQueue(queue).catch(() => undefined);
    await broker.deleteQueue(dlq).catch(() => undefined);
    await broker.close();
    await raw.close();
  });
  await raw.queueDeclare({ queue: dlq, durable: true });
  await broker.declareQueues([queue]);
  const consumer = broker.consume({ queue, prefetch: 1, concurrency: 1 }, () => Promise.reject(new SyntaxError('bad')));
  t.after(() => broker.stopConsumer(consumer));
  await broker.publish({ queue, type: 'complete', id: 'poison', session: 's-1', body: Buffer.from('x') });
  await until(async () => (await broker.queueDepth(dlq)) === 1, 20_000, 'the poison message in the existing dead-letter queue');
  assert.equal(await broker.queueDepth(queue), 0);
});
