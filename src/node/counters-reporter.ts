import type { BrokerPort } from './middleware/port.js';
import type { Stage, Topology } from './middleware/topology.js';
import { encodeCounterReport, type CounterReport } from '../protocol/internal/counters.js';
import { counterId } from '../protocol/internal/ids.js';

interface Pending {
  report: CounterReport;
  waiters: Array<{ resolve: () => void; reject: (e: unknown) => void }>;
}

/**
 * Batches counter entries per session and publishes them to the session's controller.
 * `report()` resolves once the entry is confirmed by the broker, so callers ack their input
 * only after the controller is sure to learn about it. Batching (one message per session
 * per tick, at most `maxEntries` entries) keeps the control traffic far below the data.
 */
export class CounterReporter {
  private pending = new Map<string, Pending>();
  private scheduled = false;
  private seq = 0;

  constructor(
    private readonly broker: BrokerPort,
    private readonly topology: Topology,
    private readonly stage: Stage,
    private readonly nodeId: string,
    private readonly maxEntries = 500,
  ) {}

  /** Reports one consumed input (`id`) and what it emitted; `id` null reports only `totals`. */
  report(session: string, id: string | null, out: Partial<Record<Stage, number>>, totals?: Record<string, number>): Promise<void> {
    let p = this.pending.get(session);
    if (!p) {
      p = { report: { stage: this.stage, entries: [] }, waiters: [] };
      this.pending.set(session, p);
    }
    if (id !== null) p.report.entries.push([id, out]);
    if (totals) p.report.totals = { ...p.report.totals, ...totals };
    const done = new Promise<void>((resolve, reject) => p.waiters.push({ resolve, reject }));
    if (p.report.entries.length >= this.maxEntries) this.flushSession(session);
    else if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
    return done;
  }

  private flush(): void {
    this.scheduled = false;
    for (const session of [...this.pending.keys()]) this.flushSession(session);
  }

  private flushSession(session: string): void {
    const p = this.pending.get(session);
    if (!p) return;
    this.pending.delete(session);
    const queue = this.topology.controllerQueue(this.topology.controllerFor(session));
    this.broker
      .publish({
        queue,
        type: 'counter',
        id: counterId(this.nodeId, process.pid, this.seq++),
        session,
        body: encodeCounterReport(p.report),
      })
      .then(
        () => p.waiters.forEach((w) => w.resolve()),
        (err: unknown) => p.waiters.forEach((w) => w.reject(err)),
      );
  }
}
