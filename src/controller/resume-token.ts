import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Resume tokens as the controller keeps them: only a SHA-256 hash goes to the session log, so
 * the state folder does not hold the secret, and comparison is constant-time. A token is 128
 * random bits (the gateway draws it), so a plain hash without salt is enough.
 */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export function tokenMatches(token: string, hash: string): boolean {
  const a = Buffer.from(hashToken(token), 'hex');
  const b = Buffer.from(hash, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}
