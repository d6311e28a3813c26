import type { WorkerKind } from '../../node/config/cluster.js';
import type { WorkerConfig } from './config.js';

/**
 * Per-session quotas of a partitioned worker (issue 9 #6): what one session may keep at one
 * partition, so that one client cannot run a shared worker out of memory (or its log out of
 * replay time) for every session on it. Counted on the state itself, so they hold however the
 * data arrived (any gateway, resumes, re-sends) and while a log is replayed.
 */

/** What one session's state holds, as the quotas count it; each logic keeps these as running counters (O(1)). */
export interface StateUsage {
  /** The stage's own keys: q1-sort rows kept, q4-count (store, user) pairs, q2-agg/q3-agg groups, q4-top candidates. */
  keys: number;
  /** Reference-table rows kept for the join (stores, menu items, this partition's users). */
  referenceKeys: number;
}

/** One limit: the config key (under `quotas.`) that sets it and what it counts, in words. */
export interface QuotaLimit {
  key: string;
  limit: number;
  what: string;
}

export interface StageQuotas {
  keys: QuotaLimit;
  referenceKeys: QuotaLimit;
  logBytes: QuotaLimit;
}

/** A limit the session went over, and by how much. */
export interface QuotaExceeded extends QuotaLimit {
  used: number;
}

/** The quotas of `stage` from the workers' config. */
export function stageQuotas(stage: WorkerKind, config: Pick<WorkerConfig, 'quotas'>): StageQuotas {
  const q = config.quotas;
  const keys: QuotaLimit =
    stage === 'q1-sort'
      ? { key: 'q1_rows', limit: q.q1_rows, what: 'Q1 rows kept' }
      : stage === 'q4-count'
        ? { key: 'q4_pairs', limit: q.q4_pairs, what: '(store, user) pairs counted' }
        : { key: 'groups', limit: q.groups, what: stage === 'q4-top' ? 'top-customer candidates' : 'groups summed' };
  return {
    keys,
    referenceKeys: { key: 'reference_keys', limit: q.reference_keys, what: 'reference-table rows kept' },
    logBytes: { key: 'log_bytes', limit: q.log_bytes, what: 'bytes of state log' },
  };
}

/** The first limit `usage` and `logBytes` exceed, or null. */
export function exceededQuota(quotas: StageQuotas, usage: StateUsage, logBytes: number): QuotaExceeded | null {
  if (usage.keys > quotas.keys.limit) return { ...quotas.keys, used: usage.keys };
  if (usage.referenceKeys > quotas.referenceKeys.limit) return { ...quotas.referenceKeys, used: usage.referenceKeys };
  if (logBytes > quotas.logBytes.limit) return { ...quotas.logBytes, used: logBytes };
  return null;
}

/** What the session's client is told (the controller prefixes the node id). */
export function quotaMessage(e: QuotaExceeded): string {
  return (
    `the session went over a per-session quota: more than ${e.limit} ${e.what} at this partition ` +
    `(workers config quotas.${e.key}); the session was failed and its state deleted. ` +
    `Split the dataset into smaller runs, or, if it is honest data, ask the operator to raise quotas.${e.key} ` +
    `(src/workers/config.yaml, or COFFEE__QUOTAS__${e.key.toUpperCase()})`
  );
}
