import type { Topology } from '../../node/middleware/topology.js';
import { resultId } from '../../protocol/internal/ids.js';
import type { Emit } from './emit.js';

/** A report message for the session's results queue (`q`: report or `dq` data-quality counts, `p`: partition, `k`: chunk). */
export function resultEmit(
  topology: Topology,
  session: string,
  q: 'q1' | 'q2' | 'q3' | 'q4' | 'dq',
  p: number,
  k: number,
  body: Buffer,
): Emit {
  return {
    stage: 'results',
    queue: topology.resultsQueue(session),
    type: 'result',
    id: resultId(q, p, k),
    session,
    headers: { q, p, k },
    body,
  };
}
