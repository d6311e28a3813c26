import { fileURLToPath } from 'node:url';
import { ErrorCode } from '../../node/errors.js';
import { runTimedChild, type TimedChildResult } from './child-run.js';

export interface ReferenceRun extends TimedChildResult {
  rows: number;
  rejected: number;
  inputBytes: number;
}

const CHILD = fileURLToPath(new URL('./reference-child.js', import.meta.url));

/** Runs the reference on `data` in a child process, writing its reports to `out`. */
export function runReference(data: string, out: string): Promise<ReferenceRun> {
  return runTimedChild<Omit<ReferenceRun, 'wallSeconds'>>(CHILD, [data, out], `reference run on ${data}`, ErrorCode.BENCH_REFERENCE);
}
