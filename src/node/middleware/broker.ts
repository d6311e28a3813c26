import { Connection, ConsumerStatus, type AsyncMessage, type Consumer, type Publisher } from 'rabbitmq-client';
import { BrokerUnreachableError } from '../errors.js';
import type { Logger } from '../log.js';
import type { InternalMessageType } from '../../protocol/internal/messages.js';
import type { BrokerPort, ConsumerHandle } from './port.js';

export { ConsumerStatus };
export type { AsyncMessage };

/** One message as it travels between nodes: routing facts in AMQP properties, data in the body. */
export interface OutMessage {
  /** Target queue (published through the default exchange). */
  queue: string;
  /** What the message is (and how its body reads): see `protocol/internal/messages.ts`. */
  type: InternalMessageType;
  /** Deterministic id: a redelivered or re-sent message carries the same one. */
  id: string;
  /** Session the message belongs to ('' for none). */
  session: string;
  headers?: Record<string, string | number | boolean>;
  body: Buffer;
  replyTo?: string;
  correlationId?: string;
}

export interface ConsumeOptions {
  queue: string;
  /** Unacked messages the broker may push at once. */
  prefetch: number;
  /** Handlers running at once; the rest wait in the prefetch buffer. */
  concurrency: number;
  /** Declare the queue as exclusive/auto-delete (reply queues) instead of durable. */
  temporary?: boolean;
  /**
   * Be the queue's only consumer. A second process of the same node (a restart racing a
   * frozen original) then waits until the first is gone instead of splitting its state.
   */
  exclusive?: boolean;
  /** Don't start consuming until `consumer.start()` (default false). */
  lazy?: boolean;
  /**
   * Only consume a queue someone else declared: never create it (a session's results queue
   * belongs to its controller; re-creating it after clean-up would leak it).
   */
  passive?: boolean;
}

/**
 * The middleware layer over rabbitmq-client: one connection (reconnects by itself), a
 * confirming publisher (a publish resolves once the broker has the message safely), and
 * manual-ack consumers. Durable queues, persistent messages.
 */
export class Broker implements BrokerPort {
  private readonly publisher: Publisher;
  private readonly consumers = new Set<ConsumerHandle>();
  private readonly declared = new Set<string>();

  private constructor(
    private readonly connection: Connection,
    private readonly log: Logger,
  ) {
    this.publisher = connection.createPublisher({ confirm: true, maxAttempts: 5 });
  }

  /** Connects, waiting at most `timeoutMs` for the first connection; throws BrokerUnreachableError. */
  static async connect(url: string, log: Logger, name: string, timeoutMs = 10_000): Promise<Broker> {
    // frameMax: the client's default (8 KiB) splits a 2 MiB batch into 256 frames on every hop;
    // 128 KiB (RabbitMQ's own default maximum) makes that 16 frames.
    const connection = new Connection({
      url,
      connectionName: name,
      retryLow: 200,
      retryHigh: 2000,
      connectionTimeout: timeoutMs,
      frameMax: 131_072,
    });
    connection.on('error', (err) => log.warn({ err: String(err) }, 'broker connection error'));
    try {
      await Promise.race([
        connection.onConnect(timeoutMs, true),
        new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), timeoutMs + 100).unref()),
      ]);
    } catch (err) {
      await connection.close().catch(() => undefined);
      throw new BrokerUnreachableError(url, err);
    }
    return new Broker(connection, log);
  }

  /** Checks that the broker answers (fails fast, in one line, with BrokerUnreachableError). */
  static async probe(url: string, log: Logger, timeoutMs = 5000): Promise<void> {
    const broker = await Broker.connect(url, log, 'probe', timeoutMs);
    await broker.close();
  }

  /** Whether the broker connection is up right now (health checks report it). */
  get connected(): boolean {
    return this.connection.ready;
  }

  /** Declares durable queues (idempotent; cached per process). */
  async declareQueues(queues: string[]): Promise<void> {
    const todo = queues.filter((q) => !this.declared.has(q));
    await Promise.all(todo.map((queue) => this.connection.queueDeclare({ queue, durable: true })));
    for (const q of todo) this.declared.add(q);
  }

  async deleteQueue(queue: string): Promise<void> {
    await this.connection.queueDelete({ queue });
    this.declared.delete(queue);
  }

  /** Number of messages ready in a queue, or null if it does not exist. */
  async queueDepth(queue: string): Promise<number | null> {
    try {
      const ok = await this.connection.queueDeclare({ queue, passive: true });
      return ok.messageCount;
    } catch {
      return null;
    }
  }

  /** Publishes persistently and resolves once the broker confirmed it. */
  publish(msg: OutMessage): Promise<void> {
    return this.publisher.send(
      {
        routingKey: msg.queue,
        durable: true,
        messageId: msg.id,
        type: msg.type,
        headers: { s: msg.session, ...msg.headers },
        replyTo: msg.replyTo,
        correlationId: msg.correlationId,
      },
      msg.body,
    );
  }

  publishAll(msgs: OutMessage[]): Promise<void> {
    if (msgs.length === 0) return Promise.resolve();
    return Promise.all(msgs.map((m) => this.publish(m))).then(() => undefined);
  }

  /**
   * Consumes with manual acks: the handler's promise resolving acks the message; throwing
   * requeues it (the message is retried, possibly by another replica).
   */
  consume(options: ConsumeOptions, handler: (msg: InMessage) => Promise<void>): Consumer {
    const consumer = this.connection.createConsumer(
      {
        queue: options.queue,
        queueOptions: options.temporary ? { exclusive: true, autoDelete: true } : options.passive ? { passive: true } : { durable: true },
        qos: { prefetchCount: options.prefetch },
        concurrency: options.concurrency,
        requeue: true,
        exclusive: options.exclusive ?? false,
        lazy: options.lazy ?? false,
      },
      async (raw: AsyncMessage) => {
        await handler(toInMessage(raw));
        return ConsumerStatus.ACK;
      },
    );
    consumer.on('error', (err) => this.log.warn({ err: String(err), queue: options.queue }, 'consumer error'));
    this.consumers.add(consumer);
    return consumer;
  }

  async stopConsumer(consumer: ConsumerHandle): Promise<void> {
    this.consumers.delete(consumer);
    await consumer.close();
  }

  async close(): Promise<void> {
    for (const c of this.consumers) await c.close().catch(() => undefined);
    this.consumers.clear();
    await this.publisher.close().catch(() => undefined);
    await this.connection.close().catch(() => undefined);
  }
}

/** A consumed message, normalised. */
export interface InMessage {
  /** As received: any string (a peer of another version may send others); compare with `InternalMessageType` literals. */
  type: string;
  id: string;
  session: string;
  headers: Record<string, unknown>;
  body: Buffer;
  redelivered: boolean;
  replyTo?: string;
  correlationId?: string;
}

function toInMessage(raw: AsyncMessage): InMessage {
  const headers = (raw.headers ?? {}) as Record<string, unknown>;
  const body: unknown = raw.body;
  return {
    type: raw.type ?? '',
    id: raw.messageId ?? '',
    session: typeof headers.s === 'string' ? headers.s : '',
    headers,
    body: Buffer.isBuffer(body) ? body : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body ?? null)),
    redelivered: raw.redelivered,
    replyTo: raw.replyTo,
    correlationId: raw.correlationId,
  };
}
