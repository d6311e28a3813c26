import { Connection, ConsumerStatus, type AsyncMessage, type Consumer, type Publisher } from 'rabbitmq-client';
import { AMQPError } from 'rabbitmq-client';
import { BrokerUnreachableError, ErrorCode, PublishNotConfirmedError, QueueMismatchError } from '../errors.js';
import { PublishGaveUp, publishWithRetry } from './publish-retry.js';
import { parseBrokerAddress } from './address.js';
import type { Logger } from '../log.js';
import type { InternalMessageType } from '../../protocol/internal/messages.js';
import type { BrokerPort, ConsumerHandle } from './port.js';
import { recordConsume, recordPublish } from './broker-metrics.js';
import { PoisonGuard, deadLetterQueue, isDeadLetterQueue, isMessageFault, type PoisonLimits } from './poison.js';
import { everyOnGrid, type GridTimer } from '../grid-timer.js';

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

/** At most this many poison messages (and bytes) are kept per dead-letter queue; the oldest go first. */
export const DEAD_LETTER_BOUNDS = { 'x-max-length': 10_000, 'x-max-length-bytes': 256 * 1024 * 1024, 'x-overflow': 'drop-head' } as const;

/** Where a poison message goes, and why (headers of the dead-lettered copy). */
const DEAD_LETTER_HEADERS = { error: 'x-coffee-error', deliveries: 'x-coffee-failed-deliveries', queue: 'x-coffee-queue' } as const;

/** How durable queues are declared: see `middleware.queue_type` in config/cluster.ts. */
export type QueueType = 'classic' | 'quorum';

export interface BrokerOptions {
  /** ms to wait for the first connection (default 10 s). */
  timeoutMs?: number;
  /** Type of every durable queue this process declares (default classic). */
  queueType?: QueueType;
  /**
   * ms an operation (a publish, a channel) waits for a lost broker to come back, on any node
   * of the address list, before failing with BrokerUnreachableError (default 120 s).
   */
  patienceMs?: number;
  /**
   * Queues with one consumer that owns state: as quorum queues they get
   * `x-single-active-consumer` (quorum queues do not enforce a consumer's exclusive flag).
   */
  singleConsumer?: ReadonlySet<string>;
  /** Called once when the connection has been down for longer than patienceMs. */
  onPatienceExhausted?: (err: BrokerUnreachableError) => void;
  /** Bounded deliveries of a message its handler keeps failing on (default DEFAULT_POISON_LIMITS). */
  poison?: PoisonLimits;
  /**
   * Called after a message was dead-lettered (nodes tell the session's controller, which fails
   * the session with a clear error to its client); a failure here is logged, never retried.
   */
  onDeadLetter?: (dead: DeadLetter) => Promise<void>;
}

/** A message moved to `<queue>.dead-letter`, and why. */
export interface DeadLetter {
  queue: string;
  deadLetterQueue: string;
  msg: InMessage;
  error: string;
  failures: number;
}

/**
 * The middleware layer over rabbitmq-client: one connection (reconnects by itself, to any node
 * of the address list), a confirming publisher (a publish resolves once the broker has the
 * message safely: on quorum queues, on a majority of nodes), and manual-ack consumers. Durable
 * queues (classic or quorum), persistent messages.
 */
export class Broker implements BrokerPort {
  private publisher: Publisher;
  private readonly consumers = new Set<ConsumerHandle>();
  private readonly declared = new Set<string>();
  /** Failed deliveries per message: a poison message is retried with back-off, then dead-lettered. */
  private poison = new PoisonGuard();
  private onDeadLetter: BrokerOptions['onDeadLetter'];
  private readonly watchdog: GridTimer | undefined;
  private closing = false;

  private constructor(
    private readonly connection: Connection,
    private readonly log: Logger,
    private readonly address: string,
    private readonly queueType: QueueType,
    private readonly patienceMs: number,
    private readonly singleConsumer: ReadonlySet<string>,
    onPatienceExhausted: ((err: BrokerUnreachableError) => void) | undefined,
  ) {
    this.publisher = this.newPublisher();
    if (onPatienceExhausted) this.watchdog = this.watch(onPatienceExhausted);
  }

  /**
   * Connects to the broker at `address` (one URL or comma-separated URLs of a RabbitMQ
   * cluster), waiting at most `timeoutMs` for the first connection; throws BrokerUnreachableError.
   */
  static async connect(address: string, log: Logger, name: string, options: BrokerOptions = {}): Promise<Broker> {
    const timeoutMs = options.timeoutMs ?? 10_000;
    const patienceMs = options.patienceMs ?? 120_000;
    const { url, hosts } = parseBrokerAddress(address);
    // frameMax: the client's default (8 KiB) splits a 2 MiB batch into 256 frames on every hop;
    // 128 KiB (RabbitMQ's own default maximum) makes that 16 frames.
    const connection = new Connection({
      url,
      hosts,
      connectionName: name,
      retryLow: 200,
      retryHigh: 2000,
      connectionTimeout: Math.min(timeoutMs, 10_000),
      acquireTimeout: patienceMs,
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
      throw new BrokerUnreachableError(address, err);
    }
    if (hosts.length > 1) connection.on('connection', () => log.info({ hosts: hosts.length }, 'broker (re)connected'));
    const broker = new Broker(
      connection,
      log,
      address,
      options.queueType ?? 'classic',
      patienceMs,
      options.singleConsumer ?? new Set(),
      options.onPatienceExhausted,
    );
    if (options.poison) broker.poison = new PoisonGuard(options.poison);
    broker.onDeadLetter = options.onDeadLetter;
    return broker;
  }

  /** Checks that the broker answers (fails fast, in one line, with BrokerUnreachableError). */
  static async probe(address: string, log: Logger, timeoutMs = 5000): Promise<void> {
    const broker = await Broker.connect(address, log, 'probe', { timeoutMs });
    await broker.close();
  }

  /** Polls the connection: down for longer than patience means the broker is gone for good. */
  private watch(onExhausted: (err: BrokerUnreachableError) => void): GridTimer {
    let downSince: number | undefined;
    const timer = everyOnGrid(
      () => {
        if (this.connection.ready) {
          downSince = undefined;
          return;
        }
        downSince ??= Date.now();
        if (Date.now() - downSince >= this.patienceMs) {
          timer.stop();
          onExhausted(new BrokerUnreachableError(this.address, undefined, this.patienceMs));
        }
      },
      Math.min(1000, Math.max(50, this.patienceMs / 10)),
    );
    return timer;
  }

  /** The declare arguments of a durable queue of this broker's queue type. */
  private durableQueue(queue: string): { queue: string; durable: true; arguments?: Record<string, string | boolean | number> } {
    // A dead-letter queue is bounded: the newest poison messages are kept for inspection, the
    // oldest dropped, so a stream of them cannot fill the broker's disk.
    const bound = isDeadLetterQueue(queue) ? { ...DEAD_LETTER_BOUNDS } : {};
    // Classic: no arguments at all, as queues were always declared (existing queues stay
    // equivalent). Quorum: `x-queue-type` is fixed at declaration and checked on every redeclare.
    if (this.queueType === 'classic')
      return isDeadLetterQueue(queue) ? { queue, durable: true, arguments: bound } : { queue, durable: true };
    const args: Record<string, string | boolean | number> = { 'x-queue-type': 'quorum', ...bound };
    if (this.singleConsumer.has(queue)) args['x-single-active-consumer'] = true;
    return { queue, durable: true, arguments: args };
  }

  /** RabbitMQ's PRECONDITION_FAILED on a declare becomes one clear error naming the queue and the fix. */
  private explainDeclareError(queue: string, err: unknown): unknown {
    if (err instanceof AMQPError && err.code === 'PRECONDITION_FAILED') return new QueueMismatchError(queue, this.queueType, err.message);
    if (err instanceof AMQPError && !this.connection.ready) return new BrokerUnreachableError(this.address, err, this.patienceMs);
    return err;
  }

  /** Whether the broker connection is up right now (health checks report it). */
  get connected(): boolean {
    return this.connection.ready;
  }

  /** Declares durable queues (idempotent; cached per process). */
  async declareQueues(queues: string[]): Promise<void> {
    const todo = queues.filter((q) => !this.declared.has(q));
    await Promise.all(
      todo.map((queue) =>
        this.connection.queueDeclare(this.durableQueue(queue)).catch((err: unknown) => {
          throw this.explainDeclareError(queue, err);
        }),
      ),
    );
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

  /**
   * Publishes persistently and resolves once the broker confirmed it. A nack or a lost
   * connection is retried (on whichever broker node the connection reaches next) for up to
   * patience; then it fails with BrokerUnreachableError (no connection) or
   * PublishNotConfirmedError (connected, but the broker kept refusing).
   */
  async publish(msg: OutMessage): Promise<void> {
    try {
      await publishWithRetry(() => this.sendOnce(msg), {
        patienceMs: this.patienceMs,
        closed: () => this.closing,
        onRetry: (err, attempt) => {
          if (attempt === 1 || attempt % 10 === 0)
            this.log.warn({ err: String(err), queue: msg.queue, attempt }, 'publish not confirmed: retrying');
        },
      });
    } catch (err) {
      if (!(err instanceof PublishGaveUp) || !err.patienceExhausted) throw err instanceof PublishGaveUp ? err.last : err;
      if (!this.connection.ready) throw new BrokerUnreachableError(this.address, err.last, this.patienceMs);
      throw new PublishNotConfirmedError(msg.queue, err.attempts, this.patienceMs, err.last);
    }
  }

  /**
   * A confirming publisher on a channel of its own. One attempt per send: retries (after a nack
   * or a lost connection, with a back-off, bounded by patience) are publish()'s (publish-retry.ts).
   */
  private newPublisher(): Publisher {
    return this.connection.createPublisher({ confirm: true, maxAttempts: 1 });
  }

  private async sendOnce(msg: OutMessage): Promise<void> {
    recordPublish(msg.body.length);
    const publisher = this.publisher;
    try {
      await this.sendOn(publisher, msg);
    } catch (err) {
      // A nack: the next attempt goes out on a fresh channel. A RabbitMQ channel keeps its own
      // client state per quorum queue (the member it sends to); seen here on 3.10: after a
      // leader's node was SIGKILLed mid-run, one channel nacked every retry for 2 minutes while
      // the queue had a new leader. Once per channel: the many publishes nacked on it at once
      // do not each open another.
      if ((err as { code?: unknown }).code === 'NACK' && publisher === this.publisher && !this.closing) {
        this.publisher = this.newPublisher();
        void publisher.close().catch(() => undefined);
      }
      throw err;
    }
  }

  private sendOn(publisher: Publisher, msg: OutMessage): Promise<void> {
    return publisher.send(
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
        // Temporary (reply) queues stay classic whatever queue_type says: quorum queues cannot be
        // exclusive or auto-delete, and a reply queue lives and dies with its connection anyway
        // (re-declared on the node the connection moves to; a reply lost with it times out and
        // the request is retried).
        queueOptions: options.temporary
          ? { exclusive: true, autoDelete: true }
          : options.passive
            ? { passive: true }
            : this.durableQueue(options.queue),
        qos: { prefetchCount: options.prefetch },
        concurrency: options.concurrency,
        requeue: true,
        exclusive: options.exclusive ?? false,
        lazy: options.lazy ?? false,
      },
      async (raw: AsyncMessage) => {
        const done = recordConsume(raw);
        const msg = toInMessage(raw);
        // Reply and results queues requeue on purpose (a client gone): only durable work queues
        // are guarded against poison.
        if (options.temporary || options.passive) {
          await handler(msg);
          done?.();
          return ConsumerStatus.ACK;
        }
        const key = PoisonGuard.key(options.queue, msg.id, msg.body);
        try {
          await handler(msg);
        } catch (err) {
          const failures = this.poison.failed(key);
          if (isMessageFault(err, this.connection.ready) && this.poison.shouldDeadLetter(failures)) {
            await this.deadLetter(options.queue, msg, err, failures);
            this.poison.settled(key);
            done?.();
            return ConsumerStatus.ACK;
          }
          // Requeue after a pause that doubles per failure: no hot loop of instant redeliveries.
          await new Promise((r) => setTimeout(r, this.poison.backoffMs(failures)));
          throw err;
        }
        this.poison.settled(key);
        done?.();
        return ConsumerStatus.ACK;
      },
    );
    consumer.on('error', (err) => {
      const explained = this.explainDeclareError(options.queue, err);
      if (explained instanceof QueueMismatchError) this.log.error({ code: explained.code, queue: options.queue }, explained.message);
      else this.log.warn({ err: String(err), queue: options.queue }, 'consumer error');
    });
    this.consumers.add(consumer);
    return consumer;
  }

  /**
   * Moves a message its handler failed on `failures` times to `<queue>.dead-letter` (kept for
   * inspection, with the error), and says so once, naming the session.
   */
  private async deadLetter(queue: string, msg: InMessage, err: unknown, failures: number): Promise<void> {
    const dlq = deadLetterQueue(queue);
    await this.declareQueues([dlq]).catch((e: unknown) => {
      // Declared unbounded by an earlier version: use it as it is rather than lose the message.
      if (!(e instanceof QueueMismatchError)) throw e;
      this.log.warn({ queue: dlq }, 'dead-letter queue exists without its bounds; delete it to have them applied');
      this.declared.add(dlq);
    });
    await this.publish({
      queue: dlq,
      type: msg.type as InternalMessageType,
      id: msg.id,
      session: msg.session,
      headers: {
        ...msg.headers,
        [DEAD_LETTER_HEADERS.error]: String(err).slice(0, 1000),
        [DEAD_LETTER_HEADERS.deliveries]: failures,
        [DEAD_LETTER_HEADERS.queue]: queue,
      },
      body: msg.body,
    });
    this.log.error(
      { code: ErrorCode.POISON, queue, deadLetter: dlq, id: msg.id, type: msg.type, session: msg.session, failures, err: String(err) },
      `a message failed ${failures} times: moved to ${dlq} for inspection`,
    );
    await this.onDeadLetter?.({ queue, deadLetterQueue: dlq, msg, error: String(err), failures }).catch((e: unknown) =>
      this.log.error({ err: String(e), session: msg.session }, 'could not report the dead-lettered message to its controller'),
    );
  }

  async stopConsumer(consumer: ConsumerHandle): Promise<void> {
    this.consumers.delete(consumer);
    await consumer.close();
  }

  async close(): Promise<void> {
    this.closing = true;
    this.watchdog?.stop();
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
