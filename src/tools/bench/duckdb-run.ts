import { fileURLToPath } from 'node:url';
import { ErrorCode } from '../../node/errors.js';
import { runTimedChild, type TimedChildResult } from './child-run.js';

const CHILD = fileURLToPath(new URL('./duckdb-child.js', import.meta.url));

/** Issue 11's comparison point: DuckDB as a laptop user would run it on this 2-core machine kind. */
export const DUCKDB_THREADS = 2;

/** Whether @duckdb/node-api (a devDependency) can be loaded; resolving it loads nothing. */
export function duckdbAvailable(): boolean {
  try {
    import.meta.resolve('@duckdb/node-api');
    return true;
  } catch {
    return false;
  }
}

/** Runs the DuckDB version of the queries on `data` in a child process, writing its reports to `out`. */
export function runDuckdb(data: string, out: string, threads = DUCKDB_THREADS): Promise<TimedChildResult> {
  return runTimedChild<Omit<TimedChildResult, 'wallSeconds'>>(
    CHILD,
    [data, out, String(threads)],
    `DuckDB run on ${data}`,
    ErrorCode.BENCH_DUCKDB,
  );
}
