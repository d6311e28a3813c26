import type { Stage } from '../../node/middleware/topology.js';
import type { WorkerKind } from '../../node/config/cluster.js';

/**
 * Message ids between nodes: derived, never random, so that a redelivered or re-sent
 * message carries the same id and every consumer can de-duplicate it (also across restarts:
 * applied ids are replayed from the workers' logs and the controller's records, so these
 * formats are part of the stored state and must not change).
 *
 *   `<table>:<seq>`                        a client batch, as the gateway forwards it (the source id)
 *   `<origin>><stage>.<p>`                 what `<origin>` caused for partition p of `stage` (routed id)
 *   `fin:<stage>.<p>`                      the end-of-stream output of partition p of `stage` (an origin)
 *   `eos:<stage>.<p>` / `cleanup:<stage>.<p>`  controller commands to one partition
 *   `eos:<p>`                              counter entry: partition p finalised the session
 *   `r:<q>.<p>.<k>`                        chunk k of report q from partition p
 */

const ROUTE = '>';
const EOS = 'eos:';

/** A client batch: table and batch sequence number. */
export function sourceId(table: string, seq: number): string {
  return `${table}:${seq}`;
}

/** The message `origin` causes for partition `p` of `stage` (at most one per origin and partition). */
export function routedId(origin: string, stage: Stage, p: number): string {
  return `${origin}${ROUTE}${stage}.${p}`;
}

/** The origin of what partition `p` of `stage` emits when it finalises a session. */
export function finalId(stage: WorkerKind, p: number): string {
  return `fin:${stage}.${p}`;
}

export function eosId(stage: WorkerKind, p: number): string {
  return `${EOS}${stage}.${p}`;
}

export function cleanupId(stage: WorkerKind, p: number): string {
  return `cleanup:${stage}.${p}`;
}

/** The counter entry of partition `p` having finalised the session. */
export function eosEntryId(p: number): string {
  return `${EOS}${p}`;
}

/** The partition of an `eos:<p>` counter entry (NaN if malformed), or null for any other id. */
export function eosEntryPartition(id: string): number | null {
  return id.startsWith(EOS) ? Number(id.slice(EOS.length)) : null;
}

export function resultId(q: string, p: number, k: number): string {
  return `r:${q}.${p}.${k}`;
}

/** An `alive` notice (never de-duplicated: each one only refreshes the session's activity). */
export function aliveId(session: string, at: number): string {
  return `alive:${session}:${at}`;
}

export function openId(session: string, correlationId: string): string {
  return `open:${session}:${correlationId}`;
}

export function openReplyId(session: string): string {
  return `open-reply:${session}`;
}

export function completeId(session: string): string {
  return `complete:${session}`;
}

/** A node's fault report for a session: one per node and code (the controller fails a session once). */
export function faultId(nodeId: string, code: string): string {
  return `fault:${nodeId}:${code}`;
}

export function failedId(session: string): string {
  return `failed:${session}`;
}

export function deliveredId(session: string): string {
  return `delivered:${session}`;
}

/** A counter report: unique per reporting process (reports are de-duplicated by their entries, not by this id). */
export function counterId(nodeId: string, pid: number, seq: number): string {
  return `${nodeId}#${pid}#${seq}`;
}

/** A routed id split at its last hop; null if `id` was not routed. */
export interface RoutedId {
  origin: string;
  stage: string;
  partition: number;
}

export function parseRoutedId(id: string): RoutedId | null {
  const at = id.lastIndexOf(ROUTE);
  if (at < 0) return null;
  const hop = id.slice(at + 1);
  const dot = hop.lastIndexOf('.');
  if (dot <= 0 || !isIndex(hop.slice(dot + 1))) return null;
  return { origin: id.slice(0, at), stage: hop.slice(0, dot), partition: Number(hop.slice(dot + 1)) };
}

/**
 * The batch sequence number of the client batch a message comes from (`<table>:<seq>`,
 * possibly routed), or MAX_SAFE_INTEGER if it does not come from one: reference tables rank
 * duplicate keys by it, so an unknown origin ranks last.
 */
export function sourceSeq(id: string): number {
  const m = /^[a-z_]+:(\d+)/.exec(id);
  return m ? Number(m[1]) : Number.MAX_SAFE_INTEGER;
}

function isIndex(s: string): boolean {
  return /^\d+$/.test(s);
}
