import { readFileSync } from 'node:fs';
import path from 'node:path';
import { runDir, type ClusterConfig } from '../../node/config/cluster.js';
import { writeFileAtomic } from '../../node/storage/atomic.js';
import type { RestartRecord } from '../monitor.js';

/**
 * `<run>/restarts/<id>.json`: the last restart decision for each node, by the leader that made
 * it (with its term). Another replica that becomes leader reads it before restarting the node,
 * so one death gets one restart even across a leader change.
 */
export function restartRecords(cluster: ClusterConfig): {
  read(id: string): RestartRecord | undefined;
  write(record: RestartRecord): void;
} {
  const dir = path.join(runDir(cluster), 'restarts');
  const fileOf = (id: string): string => path.join(dir, `${id}.json`);
  return {
    read(id) {
      try {
        const v = JSON.parse(readFileSync(fileOf(id), 'utf8')) as Partial<RestartRecord>;
        if (v.id !== id || typeof v.by !== 'string' || typeof v.term !== 'number' || typeof v.at !== 'number') return undefined;
        return { id, by: v.by, term: v.term, at: v.at, pid: typeof v.pid === 'number' ? v.pid : undefined };
      } catch {
        return undefined;
      }
    },
    write(record) {
      // Atomic (a reader never sees half a record); not fsynced: it only matters while processes live.
      writeFileAtomic(fileOf(record.id), JSON.stringify(record), { durable: false });
    },
  };
}
