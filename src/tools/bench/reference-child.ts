/**
 * Runs the single-process reference in its own process (started by the benchmark) so its
 * time and peak RSS are its own: `node reference-child.js DATA OUT`, prints one JSON line.
 */
import { computeReference } from '../reference/compute.js';
import { writeReports } from '../../queries/report-writer.js';

const [data, out] = process.argv.slice(2);
if (data === undefined || out === undefined) {
  process.stderr.write('usage: reference-child DATA OUT\n');
  process.exit(2);
}
const t0 = process.hrtime.bigint();
const res = await computeReference(data);
await writeReports(out, res.reports);
const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
const u = process.resourceUsage();
process.stdout.write(
  `${JSON.stringify({ seconds, rows: res.rows, rejected: res.rejected, inputBytes: res.inputBytes, maxRssBytes: u.maxRSS * 1024, cpuSeconds: (u.userCPUTime + u.systemCPUTime) / 1e6 })}\n`,
);
