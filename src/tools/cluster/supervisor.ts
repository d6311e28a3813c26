import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { runDir, type ClusterConfig } from '../../node/config/cluster.js';
import { isAlive, readPidFile } from '../../node/processes.js';

/** `<run>/supervisor.pid`: the `cluster` (or `npm start`) process that runs the cluster in the foreground. */
export function supervisorPidFile(config: Readonly<ClusterConfig>): string {
  return path.join(runDir(config), 'supervisor.pid');
}

/** Records this process as the supervisor; returns the function that removes the record. */
export function writeSupervisorPid(config: Readonly<ClusterConfig>): () => void {
  const file = supervisorPidFile(config);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, `${process.pid}\n`);
  return () => {
    if (readPidFile(file) === process.pid) rmSync(file, { force: true });
  };
}

/** The supervisor's pid if it is still running (and is a coffee-analysis process: pids get reused). */
export function liveSupervisor(config: Readonly<ClusterConfig>): number | undefined {
  const pid = readPidFile(supervisorPidFile(config));
  if (pid === undefined || !isAlive(pid)) return undefined;
  try {
    if (!readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('coffee-analysis')) return undefined;
  } catch {
    // no /proc: liveness alone
  }
  return pid;
}
