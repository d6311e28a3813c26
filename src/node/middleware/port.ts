import type { ConsumeOptions, InMessage, OutMessage } from './broker.js';

/** A running consumer, as the components use it: wait for it to be ready, start it (lazy), stop it. */
export interface ConsumerHandle {
  /** 'ready': the consumer holds its queue (for an exclusive one: it is now the only consumer). */
  on(event: 'ready', listener: () => void): unknown;
  start(): void;
  close(): Promise<void>;
}

/**
 * What the components need from the middleware: confirmed publishes, manual-ack consumers and
 * queue declaration. `Broker` implements it over RabbitMQ; tests give components a fake
 * (`src/testing/fake-broker.ts`) that implements the same interface, no casts.
 */
export interface BrokerPort {
  /** Publishes persistently; resolves once the broker has the message safely. */
  publish(msg: OutMessage): Promise<void>;
  publishAll(msgs: OutMessage[]): Promise<void>;
  /** The handler resolving acks the message; throwing requeues it. */
  consume(options: ConsumeOptions, handler: (msg: InMessage) => Promise<void>): ConsumerHandle;
  stopConsumer(consumer: ConsumerHandle): Promise<void>;
  /** Declares durable queues (idempotent). */
  declareQueues(queues: string[]): Promise<void>;
  deleteQueue(queue: string): Promise<void>;
}
