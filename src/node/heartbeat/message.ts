/**
 * A heartbeat datagram: one small JSON object per UDP packet, naming the node and its pid
 * (the Egg of Life kills that pid before restarting a silent node, so a frozen process is
 * replaced rather than duplicated).
 */
export interface Heartbeat {
  /** Node id, `<kind>-<index>` (e.g. `q4-count-1`). */
  id: string;
  kind: string;
  pid: number;
  /** Sender's wall clock, ms; informational only (receivers use their own clock). */
  ts: number;
}

export function encodeHeartbeat(hb: Heartbeat): Buffer {
  return Buffer.from(JSON.stringify(hb));
}

/** Returns null for anything that is not a well-formed heartbeat (never throws). */
export function decodeHeartbeat(buf: Buffer): Heartbeat | null {
  if (buf.length > 512) return null;
  try {
    const v = JSON.parse(buf.toString('utf8')) as Partial<Heartbeat>;
    if (typeof v.id !== 'string' || !/^[a-z0-9-]{1,64}$/.test(v.id)) return null;
    if (typeof v.kind !== 'string' || typeof v.pid !== 'number' || !Number.isInteger(v.pid) || v.pid <= 0) return null;
    return { id: v.id, kind: v.kind, pid: v.pid, ts: typeof v.ts === 'number' ? v.ts : 0 };
  } catch {
    return null;
  }
}
