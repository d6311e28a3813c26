import type { OutMessage } from '../../node/middleware/broker.js';
import type { Stage } from '../../node/middleware/topology.js';

/** A message a worker emits, tagged with the stage it counts towards. */
export interface Emit extends OutMessage {
  stage: Stage;
}

export function countByStage(emits: readonly Emit[]): Partial<Record<Stage, number>> {
  const out: Partial<Record<Stage, number>> = {};
  for (const e of emits) out[e.stage] = (out[e.stage] ?? 0) + 1;
  return out;
}
