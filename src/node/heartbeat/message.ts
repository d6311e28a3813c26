import { open, seal, type ReplayGuard } from './auth.js';

/**
 * A heartbeat datagram: one small signed JSON object per UDP packet (see auth.ts), naming the
 * node and its pid (the Egg of Life kills that pid before restarting a silent node, so a
 * frozen process is replaced rather than duplicated).
 */
export interface Heartbeat {
  /** Node id, `<kind>-<index>` (e.g. `q4-count-1`). */
  id: string;
  kind: string;
  pid: number;
  /** Sender's wall clock, ms (checked against the replay window; liveness uses the receiver's clock). */
  ts: number;
}

/** Largest datagram a receiver looks at: a heartbeat is ~200 bytes. */
const MAX_DATAGRAM = 512;

export function encodeHeartbeat(secret: Buffer, hb: Pick<Heartbeat, 'id' | 'kind' | 'pid'>, now = Date.now()): Buffer {
  return Buffer.from(seal(secret, 'hb', hb.id, { id: hb.id, kind: hb.kind, pid: hb.pid }, now));
}

/** Returns null for anything that is not an authentic, fresh, well-formed heartbeat (never throws). */
export function decodeHeartbeat(secret: Buffer, buf: Buffer, guard: ReplayGuard): Heartbeat | null {
  if (buf.length > MAX_DATAGRAM) return null;
  const v = open(secret, 'hb', buf.toString('utf8'), guard);
  if (!v) return null;
  if (typeof v.id !== 'string' || v.id !== v.s || !/^[a-z0-9-]{1,64}$/.test(v.id)) return null;
  if (typeof v.kind !== 'string' || typeof v.pid !== 'number' || !Number.isInteger(v.pid) || v.pid <= 0) return null;
  return { id: v.id, kind: v.kind, pid: v.pid, ts: v.t };
}
