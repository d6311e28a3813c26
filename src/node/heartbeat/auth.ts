import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { closeSync, fsyncSync, linkSync, openSync, readFileSync, rmSync, writeSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { runDir, type ClusterConfig } from '../config/cluster.js';
import { ConfigError } from '../errors.js';

/**
 * Authentication of cluster-internal traffic (UDP heartbeats, Bully election messages), keyed by
 * the cluster secret. An election message is `<hex HMAC-SHA256>.<json>`, the MAC taken over the
 * exact JSON bytes; a heartbeat is a binary datagram with the same fields and a raw MAC tail
 * (message.ts). Both carry the sender, its wall-clock time and a per-sender counter: a receiver
 * rejects anything outside its replay window and any (sender, counter) it has already seen, so
 * a captured message cannot be played again. The two formats cannot pass for each other: a
 * heartbeat starts with 'HB', an election message with a hex digit, and each MAC covers its own
 * leading bytes.
 */

/** Environment variable holding the secret itself (wins over the file; containers use it). */
export const SECRET_ENV = 'COFFEE_CLUSTER_SECRET';
const MAC_HEX = 64;
/** Shortest secret accepted: 16 bytes of entropy as hex. */
const MIN_SECRET = 32;

/** Where the cluster secret lives: `security.secret_file`, or `<run_dir>/cluster.secret`. */
export function secretFile(cluster: ClusterConfig): string {
  return cluster.security.secret_file ? path.resolve(cluster.security.secret_file) : path.join(runDir(cluster), 'cluster.secret');
}

/**
 * The cluster secret: `COFFEE_CLUSTER_SECRET`, else the secret file. With no `secret_file`
 * configured (the local cluster), a missing file is created (32 random bytes, hex, mode 0600)
 * by whoever comes first: written under a temp name, then hard-linked into place, so racing
 * processes all end up reading the one winner's complete file. A configured file must exist.
 * The secret is never logged; errors name the file only.
 */
export function loadClusterSecret(cluster: ClusterConfig, env: NodeJS.ProcessEnv = process.env): Buffer {
  const fromEnv = env[SECRET_ENV];
  if (fromEnv !== undefined && fromEnv !== '') return checked(fromEnv.trim(), `$${SECRET_ENV}`);
  const file = secretFile(cluster);
  if (!cluster.security.secret_file) createIfMissing(file);
  let text: string;
  try {
    text = readFileSync(file, 'utf8').trim();
  } catch (err) {
    throw new ConfigError(
      `cluster secret ${file} cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'}): set security.secret_file or ${SECRET_ENV}`,
    );
  }
  return checked(text, file);
}

function checked(text: string, where: string): Buffer {
  if (text.length < MIN_SECRET) throw new ConfigError(`cluster secret in ${where} is too short (at least ${MIN_SECRET} characters)`);
  return Buffer.from(text, 'utf8');
}

function createIfMissing(file: string): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  const fd = openSync(tmp, 'w', 0o600);
  try {
    writeSync(fd, `${randomBytes(32).toString('hex')}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(tmp, file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  } finally {
    rmSync(tmp, { force: true });
  }
}

/** What a sealed text message is for (heartbeats are binary, message.ts): only elections today. */
export type Purpose = 'el';

/** The authenticated envelope fields every message carries. */
export interface Envelope {
  /** Purpose: election. */
  p: Purpose;
  /** Sender identity (node id, or `egg-<index>` for election messages). */
  s: string;
  /** Sender's wall clock, ms. */
  t: number;
  /** Per-sender counter, strictly increasing over the life of the sender and across its restarts. */
  n: number;
}

/**
 * Per-process counter: starts at the wall clock in µs, so a restarted sender continues above
 * everything its predecessor sent (a receiver's memory of seen counters then never blocks it).
 */
let counter = Date.now() * 1000;
export function nextCounter(): number {
  counter = Math.max(counter + 1, Date.now() * 1000);
  return counter;
}

function mac(secret: Buffer, body: string): string {
  return createHmac('sha256', secret).update(body).digest('hex');
}

/** Seals `fields` (plus a fresh envelope) into `<mac>.<json>`. */
export function seal(secret: Buffer, purpose: Purpose, sender: string, fields: object, now = Date.now()): string {
  const body = JSON.stringify({ ...fields, p: purpose, s: sender, t: now, n: nextCounter() });
  return `${mac(secret, body)}.${body}`;
}

/**
 * Opens a sealed message: null unless the MAC is right, the purpose matches, it is inside the
 * replay window and not seen before (by `guard`). Never throws.
 */
export function open(secret: Buffer, purpose: Purpose, text: string, guard: ReplayGuard): (Record<string, unknown> & Envelope) | null {
  if (text.length < MAC_HEX + 3 || text.charCodeAt(MAC_HEX) !== 0x2e) return null;
  const body = text.slice(MAC_HEX + 1);
  const given = Buffer.from(text.slice(0, MAC_HEX), 'utf8');
  const want = Buffer.from(mac(secret, body), 'utf8');
  if (given.length !== want.length || !timingSafeEqual(given, want)) return null;
  let v: Partial<Envelope> & Record<string, unknown>;
  try {
    v = JSON.parse(body) as Partial<Envelope> & Record<string, unknown>;
  } catch {
    return null;
  }
  if (
    v === null ||
    typeof v !== 'object' ||
    v.p !== purpose ||
    typeof v.s !== 'string' ||
    typeof v.t !== 'number' ||
    typeof v.n !== 'number'
  )
    return null;
  if (!guard.accept(v.s, v.t, v.n)) return null;
  return v as Record<string, unknown> & Envelope;
}

/**
 * Replay protection for one receiver: a message is fresh when its time is within `windowMs`
 * of ours and its (sender, counter) was not accepted before. Only authenticated messages reach
 * it, so its memory is bounded by the honest senders; still capped (`maxSenders`, oldest
 * sender forgotten first) so that a leaked secret cannot grow it without end.
 */
export class ReplayGuard {
  /** sender → counter → time of the message. */
  private readonly seen = new Map<string, Map<number, number>>();

  constructor(
    readonly windowMs: number,
    private readonly maxSenders = 1024,
    private readonly now: () => number = Date.now,
  ) {}

  accept(sender: string, t: number, n: number): boolean {
    const now = this.now();
    if (Math.abs(now - t) > this.windowMs) return false;
    let counters = this.seen.get(sender);
    if (!counters) {
      if (this.seen.size >= this.maxSenders) {
        const oldest = this.seen.keys().next().value;
        if (oldest !== undefined) this.seen.delete(oldest);
      }
      counters = new Map();
      this.seen.set(sender, counters);
    }
    if (counters.has(n)) return false;
    // Anything older than the window is rejected by time, so its counter need not be kept.
    if (counters.size >= 64) for (const [c, at] of counters) if (now - at > this.windowMs) counters.delete(c);
    counters.set(n, t);
    return true;
  }
}
