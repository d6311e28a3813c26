import type { ConsumeOptions, InMessage } from './broker.js';
import type { BrokerPort, ConsumerHandle } from './port.js';
import { LoadGate } from './load-gate.js';

/**
 * Consumes `options.queue` as its only consumer and (re)loads the node's state from disk each
 * time the consumer becomes ready: only then is this process sure that no other process of the
 * same node (a restart racing a frozen original) appends to the same logs. Messages wait for
 * the load. Used by every node that keeps a session log: the controller and partitioned workers.
 */
export function consumeExclusively(
  broker: BrokerPort,
  options: Omit<ConsumeOptions, 'exclusive' | 'lazy'>,
  load: () => unknown,
  handler: (msg: InMessage) => Promise<void>,
): ConsumerHandle {
  const gate = new LoadGate();
  const consumer = broker.consume({ ...options, exclusive: true, lazy: true }, async (msg) => {
    await gate.wait();
    await handler(msg);
  });
  consumer.on('ready', () => void gate.reload(load));
  consumer.start();
  return consumer;
}
