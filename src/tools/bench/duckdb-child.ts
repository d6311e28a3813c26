/**
 * Runs the four queries in DuckDB in its own process (started by the benchmark) so its peak
 * RSS — DuckDB's native memory included — is its own: `node duckdb-child.js DATA OUT [THREADS]`,
 * prints one JSON line. Exits 3 when @duckdb/node-api is not installed (it is a
 * devDependency, loaded only here, so the product runs without it).
 */
import type * as DuckdbApi from '@duckdb/node-api';
import { mkdir } from 'node:fs/promises';
import { ownUsage } from './child-run.js';
import { duckdbStatements } from './duckdb-sql.js';

export const DUCKDB_MISSING_EXIT = 3;

const [data, out, threadsText] = process.argv.slice(2);
if (data === undefined || out === undefined) {
  process.stderr.write('usage: duckdb-child DATA OUT [THREADS]\n');
  process.exit(2);
}
let duckdb: typeof DuckdbApi;
try {
  duckdb = await import('@duckdb/node-api');
} catch {
  process.stderr.write('@duckdb/node-api is not installed (a devDependency: run `npm ci` without --omit=dev)\n');
  process.exit(DUCKDB_MISSING_EXIT);
}
await mkdir(out, { recursive: true });
const t0 = process.hrtime.bigint();
const instance = await duckdb.DuckDBInstance.create(':memory:');
const conn = await instance.connect();
for (const sql of duckdbStatements(data, out, threadsText === undefined ? 2 : Number(threadsText))) await conn.run(sql);
const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
conn.closeSync();
instance.closeSync();
process.stdout.write(`${JSON.stringify(ownUsage(seconds))}\n`);
