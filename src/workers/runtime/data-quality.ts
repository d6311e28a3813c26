import type { Topology } from '../../node/middleware/topology.js';
import type { WorkerKind } from '../../node/config/cluster.js';
import type { DataQuality } from '../../queries/data-quality.js';
import { resultEmit } from './results.js';
import type { Emit } from './emit.js';

/** The joining stages that count missing references; a stage's index tells its result ids apart. */
const DQ_STAGES: readonly WorkerKind[] = ['q2-agg', 'q3-agg', 'q4-count', 'q4-top'];

/**
 * A partition's data-quality counts (rows whose store / item / user is missing from its
 * reference table), sent to the client with the reports as one more result (`q: 'dq'`);
 * the client sums the partitions. Sent even when every count is 0, so the number of result
 * messages of a session does not depend on the data.
 */
export function dataQualityEmit(topology: Topology, session: string, stage: WorkerKind, partition: number, dq: Partial<DataQuality>): Emit {
  return resultEmit(topology, session, 'dq', partition, DQ_STAGES.indexOf(stage), Buffer.from(JSON.stringify(dq), 'utf8'));
}
