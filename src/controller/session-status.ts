import { STAGES, WORKER_STAGES, type Stage } from '../node/middleware/topology.js';
import type { SessionProgress } from './progress.js';

/** One stage of one session, as the dashboard and `status` show it. */
export interface StageStatus {
  /** Distinct messages the stage consumed (batches for the source: batches the gateway published). */
  received: number;
  /** Messages announced to it so far (the source: the client's batch total, once every table ended). */
  expected: number | null;
  closed: boolean;
  /** Why the stage is not closed yet, in words ('' once closed). */
  waitingFor: string;
}

export interface SessionStatus {
  id: string;
  stages: Partial<Record<Stage, StageStatus>>;
  complete: boolean;
  /** Set once the session failed: the code its client is told. */
  failed?: string;
}

/** Describes a session's progress by the controller's own counters (pure: no I/O). */
export function describeSession(id: string, p: SessionProgress, complete: boolean, failed?: string): SessionStatus {
  const stages: Partial<Record<Stage, StageStatus>> = {};
  const sourceTotal = p.sourceTotal();
  const sourceClosed = p.sourceClosed();
  stages.source = {
    received: p.receivedCount('source'),
    expected: sourceTotal ?? null,
    closed: sourceClosed,
    waitingFor: sourceClosed ? '' : sourceTotal === undefined ? 'the client to end every table' : 'batches from the client',
  };
  for (const stage of WORKER_STAGES) {
    const received = p.receivedCount(stage);
    const expected = p.expectedCount(stage);
    const closed = p.closed(stage);
    let waitingFor = '';
    if (!closed) {
      const open = STAGES[stage].upstream.filter((u) => !p.closed(u));
      if (open.length > 0) waitingFor = `end of ${open.join(', ')}`;
      else if (received < expected) waitingFor = `${expected - received} message(s)`;
      else waitingFor = 'partitions to finalise';
    }
    stages[stage] = { received, expected, closed, waitingFor };
  }
  return failed === undefined ? { id, stages, complete } : { id, stages, complete, failed };
}
