import type { AsyncMessage } from 'rabbitmq-client';
import { metricsIfEnabled } from '../metrics.js';

/** Counts one published message of `bytes` (nodes only: tools and tests record nothing). */
export function recordPublish(bytes: number): void {
  const m = metricsIfEnabled();
  if (!m) return;
  m.messagesOut.inc();
  m.bytesOut.inc(bytes);
}

/** Counts one consumed message; the returned function, called once it is handled, times it. */
export function recordConsume(raw: AsyncMessage): (() => void) | undefined {
  const m = metricsIfEnabled();
  if (!m) return undefined;
  m.messagesIn.inc();
  const body: unknown = raw.body;
  m.bytesIn.inc(Buffer.isBuffer(body) ? body.length : 0);
  return m.batchSeconds.startTimer();
}
