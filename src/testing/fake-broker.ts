import type { ConsumeOptions, InMessage, OutMessage } from '../node/middleware/broker.js';
import type { BrokerPort, ConsumerHandle } from '../node/middleware/port.js';

/** A consumer of the fake broker: the test delivers messages to `handler` itself. */
export class FakeConsumer implements ConsumerHandle {
  private readonly readyListeners: Array<() => void> = [];
  started = false;
  closed = false;

  constructor(
    readonly options: ConsumeOptions,
    readonly handler: (msg: InMessage) => Promise<void>,
  ) {}

  on(event: 'ready', listener: () => void): this {
    if (event === 'ready') this.readyListeners.push(listener);
    return this;
  }

  /** Like rabbitmq-client's consumer: starting it makes it ready (here at once). */
  start(): void {
    this.started = true;
    this.becomeReady();
  }

  /** Fires 'ready' again, as after a reconnect: an exclusive consumer reloads its state then. */
  becomeReady(): void {
    for (const listener of this.readyListeners) listener();
  }

  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }
}

/**
 * An in-memory `BrokerPort` for unit tests: records what a component publishes, declares and
 * deletes, and hands out consumers whose handler the test calls with the messages it wants.
 */
export class FakeBroker implements BrokerPort {
  readonly published: OutMessage[] = [];
  readonly declared: string[] = [];
  readonly deleted: string[] = [];
  readonly consumers: FakeConsumer[] = [];

  publish(msg: OutMessage): Promise<void> {
    this.published.push(msg);
    return Promise.resolve();
  }

  publishAll(msgs: OutMessage[]): Promise<void> {
    this.published.push(...msgs);
    return Promise.resolve();
  }

  consume(options: ConsumeOptions, handler: (msg: InMessage) => Promise<void>): FakeConsumer {
    const consumer = new FakeConsumer(options, handler);
    this.consumers.push(consumer);
    if (!options.lazy) consumer.start();
    return consumer;
  }

  stopConsumer(consumer: ConsumerHandle): Promise<void> {
    return consumer.close();
  }

  declareQueues(queues: string[]): Promise<void> {
    this.declared.push(...queues);
    return Promise.resolve();
  }

  deleteQueue(queue: string): Promise<void> {
    this.deleted.push(queue);
    return Promise.resolve();
  }

  /** Published messages of one type, in order. */
  ofType(type: string): OutMessage[] {
    return this.published.filter((m) => m.type === type);
  }

  /** The consumer of `queue` (the latest one, if it was consumed more than once). */
  consumerOf(queue: string): FakeConsumer | undefined {
    return this.consumers.filter((c) => c.options.queue === queue).at(-1);
  }
}
