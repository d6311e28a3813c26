import { randomUUID } from 'node:crypto';
import { ProtocolError, ErrorCode } from '../../node/errors.js';

/** Session ids are UUIDs; validated before they name a queue or a file. */
const SESSION_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function newSessionId(): string {
  return randomUUID();
}

export function isSessionId(s: unknown): s is string {
  return typeof s === 'string' && SESSION_RE.test(s);
}

export function assertSessionId(s: unknown): string {
  if (!isSessionId(s))
    throw new ProtocolError(ErrorCode.SESSION_ID, `invalid session id ${JSON.stringify(String(s).slice(0, 64))}: expected a UUID`);
  return s;
}
