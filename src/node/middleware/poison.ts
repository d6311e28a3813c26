import { createHash } from 'node:crypto';
import { AMQPError } from 'rabbitmq-client';
import { CoffeeError, RETRYABLE, StorageError } from '../errors.js';

/** Bounds on a message its handler keeps failing on (cluster `middleware.poison`). */
export interface PoisonLimits {
  /** Failed deliveries of one message before it is dead-lettered. */
  maxDeliveries: number;
  /** ms to wait before the first requeue; doubles per failure (no hot requeue loop). */
  retryBaseMs: number;
  /** Longest wait before a requeue. */
  retryMaxMs: number;
}

export const DEFAULT_POISON_LIMITS: PoisonLimits = { maxDeliveries: 5, retryBaseMs: 100, retryMaxMs: 2000 };

/** Messages remembered per process (oldest forgotten first): the map cannot grow without end. */
const MAX_TRACKED = 10_000;

/** The queue a poison message of `queue` is moved to, kept for inspection. */
const DEAD_LETTER_SUFFIX = '.dead-letter';

export function deadLetterQueue(queue: string): string {
  return `${queue}${DEAD_LETTER_SUFFIX}`;
}

export function isDeadLetterQueue(queue: string): boolean {
  return queue.endsWith(DEAD_LETTER_SUFFIX);
}

/**
 * Whether a handler's failure is the message's fault (it would fail again on any replica) rather
 * than the infrastructure's: a lost broker connection, an AMQP error, a retryable CoffeeError
 * (ERR_BROKER, ...), a storage error or a system errno (a full disk) must never dead-letter an
 * honest message.
 */
export function isMessageFault(err: unknown, brokerReady: boolean): boolean {
  if (!brokerReady) return false;
  if (err instanceof AMQPError) return false;
  if (err instanceof StorageError) return false;
  if (err instanceof CoffeeError) return !RETRYABLE[err.code];
  // The system's own errors (a full disk, too many open files) are not the message's fault.
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && INFRASTRUCTURE_ERRNO.has(code)) return false;
  return true;
}

const INFRASTRUCTURE_ERRNO = new Set([
  'ENOSPC',
  'EDQUOT',
  'EIO',
  'EMFILE',
  'ENFILE',
  'ENOMEM',
  'EROFS',
  'EACCES',
  'EPERM',
  'EBUSY',
  'EAGAIN',
]);

/**
 * Counts failed deliveries per message (by id, or by body hash for a message without one) so a
 * poison message is retried a bounded number of times, with back-off, then dead-lettered. The
 * count is per process: a message that crashes its process is bounded by the Egg of Life's
 * restart back-off instead.
 */
export class PoisonGuard {
  private readonly failures = new Map<string, number>();

  constructor(readonly limits: PoisonLimits = DEFAULT_POISON_LIMITS) {}

  static key(queue: string, id: string, body: Buffer): string {
    return `${queue}\u0000${id !== '' ? id : createHash('sha1').update(body).digest('hex')}`;
  }

  /** Records one more failure; returns the failures so far. */
  failed(key: string): number {
    const n = (this.failures.get(key) ?? 0) + 1;
    this.failures.delete(key);
    this.failures.set(key, n);
    if (this.failures.size > MAX_TRACKED) this.failures.delete(this.failures.keys().next().value!);
    return n;
  }

  /** The message was handled (or dead-lettered): forget it. */
  settled(key: string): void {
    this.failures.delete(key);
  }

  shouldDeadLetter(failures: number): boolean {
    return failures >= this.limits.maxDeliveries;
  }

  /** ms to wait before requeueing after the n-th failure. */
  backoffMs(failures: number): number {
    return Math.min(this.limits.retryMaxMs, this.limits.retryBaseMs * 2 ** (failures - 1));
  }

  get tracked(): number {
    return this.failures.size;
  }
}
