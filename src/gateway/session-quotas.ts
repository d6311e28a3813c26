import { CoffeeError, ErrorCode } from '../node/errors.js';
import type { TableName } from '../dataset/tables.js';

/**
 * Per-session quotas at the gateway (issue 9 #6), checked on every validated batch before it is
 * forwarded: what one client may put into the shared pipeline. Batches per table are checked on
 * the batch's sequence number, which is absolute per table and survives resumes: exact, and no
 * state. Rows and bytes are counted by this gateway process for each session it serves, every
 * batch it receives (re-sent ones too: an honest client re-sends at most its window per resume);
 * a client that resumes on other gateways gets at most the quota at each of them, and the
 * workers' own quotas (workers/runtime/quotas.ts) bound what any session keeps whatever path
 * its data took.
 */

export interface GatewayQuotaLimits {
  /** Rows of all tables per session (quotas.rows). */
  rows: number;
  /** Batch bytes of all tables per session (quotas.bytes). */
  bytes: number;
  /** Batches per data table (transactions, transaction_items): sequence numbers below this (quotas.batches). */
  batches: number;
  /** Batches per reference table (stores, menu_items, users), each copied to every partition that joins it (quotas.reference_batches). */
  referenceBatches: number;
  /** Rows per reference table (quotas.reference_rows). */
  referenceRows: number;
}

const REFERENCE_TABLES: ReadonlySet<TableName> = new Set(['stores', 'menu_items', 'users']);

interface Usage {
  rows: number;
  bytes: number;
  referenceRows: Map<TableName, number>;
  at: number;
}

/** What the client is told: what went over, the limit and its key, and what to do. */
function quotaError(what: string, limit: number, unit: string, key: string): CoffeeError {
  return new CoffeeError(
    ErrorCode.QUOTA,
    `${what} the quota of ${limit} ${unit} (gateway config quotas.${key}); the session was failed and its data deleted. ` +
      `Split the dataset into smaller runs, or, if the data is honest, ask the operator to raise quotas.${key} ` +
      `(src/gateway/config.yaml, or COFFEE__QUOTAS__${key.toUpperCase()})`,
  );
}

export class SessionQuotas {
  private readonly usage = new Map<string, Usage>();
  private lastPrune: number;

  /**
   * @param forgetMs a session with no batch here for this long is forgotten (bounded memory);
   *   longer than the controller's idle timeout, so a live session keeps its counts.
   */
  constructor(
    private readonly limits: GatewayQuotaLimits,
    private readonly forgetMs = 60 * 60_000,
    private readonly now: () => number = Date.now,
  ) {
    this.lastPrune = now();
  }

  /** Checks the TABLE_END of `table` announcing `batches` batches. Throws ERR_QUOTA when over. */
  checkTableEnd(table: TableName, batches: number): void {
    const [limit, key] = this.batchLimit(table);
    if (batches > limit) throw quotaError(`TABLE_END ${table} announces ${batches} batches, over`, limit, `batches per table`, key);
  }

  /**
   * Counts batch `seq` of `table` (`rows` rows, `bytes` bytes) for `session`. Throws ERR_QUOTA,
   * counting nothing, when it would go over a quota.
   */
  admit(session: string, table: TableName, seq: number, rows: number, bytes: number): void {
    const now = this.now();
    this.prune(now);
    const reference = REFERENCE_TABLES.has(table);
    const [batchLimit, batchKey] = this.batchLimit(table);
    if (seq >= batchLimit) throw quotaError(`${table} batch ${seq} is over`, batchLimit, 'batches per table', batchKey);
    let u = this.usage.get(session);
    if (!u) this.usage.set(session, (u = { rows: 0, bytes: 0, referenceRows: new Map(), at: now }));
    u.at = now;
    const over = `${table} batch ${seq} takes the session over`;
    if (u.rows + rows > this.limits.rows) throw quotaError(over, this.limits.rows, 'rows', 'rows');
    if (u.bytes + bytes > this.limits.bytes) throw quotaError(over, this.limits.bytes, 'bytes of batches', 'bytes');
    const refRows = reference ? (u.referenceRows.get(table) ?? 0) + rows : 0;
    if (refRows > this.limits.referenceRows)
      throw quotaError(over, this.limits.referenceRows, 'rows per reference table', 'reference_rows');
    u.rows += rows;
    u.bytes += bytes;
    if (reference) u.referenceRows.set(table, refRows);
  }

  /** The session is over (delivered or failed): its counts go. */
  forget(session: string): void {
    this.usage.delete(session);
  }

  /** Sessions with counts held (tests, metrics). */
  get size(): number {
    return this.usage.size;
  }

  private batchLimit(table: TableName): [number, string] {
    return REFERENCE_TABLES.has(table) ? [this.limits.referenceBatches, 'reference_batches'] : [this.limits.batches, 'batches'];
  }

  private prune(now: number): void {
    if (now - this.lastPrune < this.forgetMs / 4) return;
    this.lastPrune = now;
    for (const [s, u] of this.usage) if (now - u.at > this.forgetMs) this.usage.delete(s);
  }
}
