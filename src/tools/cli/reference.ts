import { stat } from 'node:fs/promises';
import path from 'node:path';
import { parseFlags } from './flags.js';
import { UsageError } from '../../node/errors.js';
import { computeReference } from '../reference/compute.js';
import { writeReports } from '../../queries/report-writer.js';
import { writeReferenceReport } from '../reference/report.js';
import { describeDataQuality } from '../../queries/data-quality.js';

const USAGE =
  'usage: coffee-analysis reference --data DIR [--out DIR] [--no-html]\n' +
  '  the five reports computed in a single process, and report.html (as a client writes it)\n' +
  '  --no-html   only the CSV files';

/** `coffee-analysis reference --data DIR --out DIR`: the five reports (and report.html) in a single process. */
export async function run(argv: string[]): Promise<number> {
  const { values } = parseFlags('reference', {
    args: argv,
    options: {
      data: { type: 'string' },
      out: { type: 'string', default: 'results/reference' },
      'no-html': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' },
    },
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
  let res;
  let secs: number;
  let html: string | undefined;
  if (values['no-html']) {
    const t0 = process.hrtime.bigint();
    res = await computeReference(values.data);
    await writeReports(out, res.reports);
    secs = Number(process.hrtime.bigint() - t0) / 1e9;
  } else {
    const r = await writeReferenceReport(values.data, out);
    [res, secs] = [r.result, r.seconds];
    html = `; ${path.join(out, path.basename(r.html.file))} (charts in ${(r.html.chartMs / 1000).toFixed(1)} s)`;
  }
  const mb = res.inputBytes / 1e6;
  process.stdout.write(
    `reference: ${res.rows} rows, ${res.rejected} rejected, ${mb.toFixed(1)} MB in ${secs.toFixed(2)} s (${(mb / secs).toFixed(1)} MB/s) -> ${out}${html ?? ''}\n`,
  );
  for (const line of describeDataQuality(res.dataQuality)) process.stdout.write(`data quality: ${line}\n`);
  return 0;
}
