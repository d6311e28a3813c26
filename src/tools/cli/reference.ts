import { stat } from 'node:fs/promises';
import { parseFlags } from './flags.js';
import { UsageError } from '../../node/errors.js';
import { computeReference } from '../reference/compute.js';
import { writeReports } from '../../queries/report-writer.js';

const USAGE = 'usage: coffee-analysis reference --data DIR [--out DIR]';

/** `coffee-analysis reference --data DIR --out DIR`: the five reports in a single process. */
export async function run(argv: string[]): Promise<number> {
  const { values } = parseFlags('reference', {
    args: argv,
    options: { data: { type: 'string' }, out: { type: 'string', default: 'results/reference' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (values.data === undefined) throw new UsageError(`--data is required (${USAGE})`);
  const st = await stat(values.data).catch(() => null);
  if (st === null || !st.isDirectory())
    throw new UsageError(`data folder '${values.data}' does not exist: pass a dataset folder with --data`);
  const out = values.out ?? 'results/reference';
  const t0 = process.hrtime.bigint();
  const res = await computeReference(values.data);
  await writeReports(out, res.reports);
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  const mb = res.inputBytes / 1e6;
  process.stdout.write(
    `reference: ${res.rows} rows, ${res.rejected} rejected, ${mb.toFixed(1)} MB in ${secs.toFixed(2)} s (${(mb / secs).toFixed(1)} MB/s) -> ${out}\n`,
  );
  return 0;
}
