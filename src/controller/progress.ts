import { STAGES, RESULT_UPSTREAM, WORKER_STAGES, type Stage } from '../node/middleware/topology.js';
import type { WorkerKind } from '../node/config/cluster.js';
import type { CounterReport } from '../protocol/internal/counters.js';
import { eosEntryPartition } from '../protocol/internal/ids.js';
import { TABLES } from '../dataset/tables.js';

/**
 * End of stream for one session, decided by message counters.
 *
 * For every stage: `expected` = messages its upstream stages reported emitting towards it;
 * `received` = distinct input ids it reported consuming. A stage's inputs are complete when
 * every upstream stage is closed and received == expected. A stateless stage is then closed;
 * a partitioned one is told EOS and is closed once each partition reported finalising.
 * The source (the gateway) is closed once the client ended every table and every batch was
 * published. Reports are de-duplicated by (stage, id), so redeliveries count once.
 */
export class SessionProgress {
  private readonly received = new Map<Stage, Set<string>>();
  private readonly expected = new Map<Stage, number>();
  private readonly finalized = new Map<Stage, Set<number>>();
  private readonly totals = new Map<string, number>();

  constructor(private readonly partitions: (stage: WorkerKind) => number) {}

  apply(r: CounterReport): void {
    if (r.totals) for (const [table, n] of Object.entries(r.totals)) if (Number.isInteger(n) && n >= 0) this.totals.set(table, n);
    for (const [id, out] of r.entries) {
      if (typeof id !== 'string') continue;
      const p = r.stage !== 'source' ? eosEntryPartition(id) : null;
      if (p !== null) {
        const done = this.set(this.finalized, r.stage, () => new Set<number>());
        if (done.has(p)) continue;
        done.add(p);
      } else {
        const seen = this.set(this.received, r.stage, () => new Set<string>());
        if (seen.has(id)) continue;
        seen.add(id);
      }
      for (const [stage, n] of Object.entries(out ?? {})) {
        if (typeof n === 'number' && n > 0) this.expected.set(stage as Stage, (this.expected.get(stage as Stage) ?? 0) + n);
      }
    }
  }

  private set<T>(map: Map<Stage, T>, stage: Stage, make: () => T): T {
    let v = map.get(stage);
    if (v === undefined) map.set(stage, (v = make()));
    return v;
  }

  receivedCount(stage: Stage): number {
    return this.received.get(stage)?.size ?? 0;
  }

  expectedCount(stage: Stage): number {
    return this.expected.get(stage) ?? 0;
  }

  /** Batches the client announced for every table, once it ended them all. */
  sourceTotal(): number | undefined {
    let sum = 0;
    for (const t of TABLES) {
      const n = this.totals.get(t);
      if (n === undefined) return undefined;
      sum += n;
    }
    return sum;
  }

  sourceClosed(): boolean {
    let sum = 0;
    for (const t of TABLES) {
      const n = this.totals.get(t);
      if (n === undefined) return false;
      sum += n;
    }
    return this.receivedCount('source') === sum;
  }

  inputsComplete(stage: WorkerKind): boolean {
    return STAGES[stage].upstream.every((u) => this.closed(u)) && this.receivedCount(stage) === this.expectedCount(stage);
  }

  closed(stage: Stage): boolean {
    if (stage === 'source') return this.sourceClosed();
    if (stage === 'results') return false;
    if (!this.inputsComplete(stage)) return false;
    if (!STAGES[stage].partitioned) return true;
    return (this.finalized.get(stage)?.size ?? 0) === this.partitions(stage);
  }

  /** Partitioned stages that may be told EOS now. */
  readyForEos(): WorkerKind[] {
    return WORKER_STAGES.filter((s) => STAGES[s].partitioned && this.inputsComplete(s));
  }

  /** Number of result messages once every report stage is closed, else null. */
  resultsReady(): number | null {
    return RESULT_UPSTREAM.every((s) => this.closed(s)) ? this.expectedCount('results') : null;
  }
}
