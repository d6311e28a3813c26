import type { Stage } from '../../node/middleware/topology.js';

/**
 * What a stage tells the session's controller after handling messages: for each input
 * message it consumed (by its deterministic id), how many messages it emitted to each
 * downstream stage. The controller de-duplicates by (stage, id), so a redelivered input
 * that is reported twice is counted once.
 *
 * Special ids: `eos:<p>` (`ids.ts` eosEntryId) is partition p of a partitioned stage having finalised the session;
 * the source (gateway) adds `totals`, the number of batches of each table once the client
 * has ended it.
 */
export interface CounterReport {
  stage: Stage;
  entries: Array<[id: string, out: Partial<Record<Stage, number>>]>;
  totals?: Record<string, number>;
}

export function encodeCounterReport(r: CounterReport): Buffer {
  return Buffer.from(JSON.stringify(r), 'utf8');
}

export function decodeCounterReport(body: Buffer): CounterReport | null {
  try {
    const v = JSON.parse(body.toString('utf8')) as CounterReport;
    if (typeof v.stage !== 'string' || !Array.isArray(v.entries)) return null;
    return v;
  } catch {
    return null;
  }
}
