/**
 * Retrying a confirmed publish until the broker has it, for at most `middleware.patience`.
 *
 * Why not rabbitmq-client's own `maxAttempts`: it sends again at once, on the same channel when
 * that channel is still open. A quorum queue whose leader was on a node that just died answers
 * basic.nack ("message rejected by server") until a new leader is elected (seconds), so a few
 * immediate attempts all fail inside the election and the caller saw a hard error. Here every
 * attempt after a failure waits (exponential back-off, capped), and a connection loss is simply
 * one more failed attempt: the client reconnects by itself, to any node of the address list, and
 * the next attempt goes out on the new connection. Re-sending is safe: every message carries a
 * deterministic id that its receivers de-duplicate on.
 */

/** AMQP reply codes that re-sending cannot fix (a wrong exchange, permissions, a bad frame). */
const PERMANENT = new Set([
  'ACCESS_REFUSED',
  'NOT_FOUND',
  'PRECONDITION_FAILED',
  'NOT_ALLOWED',
  'FRAME_ERROR',
  'SYNTAX_ERROR',
  'COMMAND_INVALID',
  'NOT_IMPLEMENTED',
  // rabbitmq-client: the publisher was closed by us (shutdown): nothing to wait for.
  'CLOSED',
]);

/** True for a failure a later attempt can overcome: a nack, a lost channel or connection, a timeout. */
export function isTransientPublishError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code !== 'string' || !PERMANENT.has(code);
}

export interface PublishRetryOptions {
  /** Total ms to keep trying, from the first attempt (middleware.patience). */
  patienceMs: number;
  /** First back-off in ms (doubles per attempt). */
  retryLowMs?: number;
  /** Back-off cap in ms. */
  retryHighMs?: number;
  /** True once the caller shuts down: stop retrying, fail with the last error. */
  closed?: () => boolean;
  /** Called before each retry (logging, metrics). */
  onRetry?: (err: unknown, attempt: number) => void;
}

/** Why a publish was given up: the last error, and whether it was still transient (patience ran out). */
export class PublishGaveUp extends Error {
  constructor(
    readonly last: unknown,
    readonly attempts: number,
    readonly patienceExhausted: boolean,
  ) {
    super(String(last), { cause: last });
  }
}

/**
 * Runs `send` until it resolves. A transient failure is retried after a back-off while the
 * patience lasts; a permanent one, or running out of patience, rejects with PublishGaveUp.
 */
export async function publishWithRetry(send: () => Promise<void>, options: PublishRetryOptions): Promise<void> {
  const low = options.retryLowMs ?? 100;
  const high = options.retryHighMs ?? 2000;
  // From the first attempt: an attempt may itself wait for a connection (rabbitmq-client's
  // acquireTimeout, set to patience too), so the whole publish stays within about one patience.
  const deadline = Date.now() + options.patienceMs;
  for (let attempt = 1; ; attempt++) {
    try {
      await send();
      return;
    } catch (err) {
      if (!isTransientPublishError(err) || options.closed?.()) throw new PublishGaveUp(err, attempt, false);
      const left = deadline - Date.now();
      if (left <= 0) throw new PublishGaveUp(err, attempt, true);
      options.onRetry?.(err, attempt);
      const backoff = Math.min(high, low * 2 ** Math.min(attempt - 1, 16));
      // Jitter: the many publishes a lost node fails at once do not come back in one burst.
      await sleep(Math.min(left, backoff / 2 + Math.random() * (backoff / 2)));
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
