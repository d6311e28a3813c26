import path from 'node:path';
import { computeReference, type ReferenceResult } from './compute.js';
import { writeReports } from '../../queries/report-writer.js';
import { writeHtmlReport, type HtmlReportTiming } from '../../queries/report-html.js';

/**
 * The reference's full output, as a client writes it: the five CSV files and report.html
 * (so a pipeline run's page can be compared with the reference's).
 */
export async function writeReferenceReport(
  dataDir: string,
  outDir: string,
): Promise<{ result: ReferenceResult; seconds: number; html: HtmlReportTiming }> {
  const t0 = process.hrtime.bigint();
  const result = await computeReference(dataDir);
  await writeReports(outDir, result.reports);
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const html = await writeHtmlReport(outDir, {
    producer: 'reference',
    dataset: path.resolve(dataDir),
    rows: { all: result.rows },
    rejected: result.rejected,
    rejectsFile: null,
    seconds,
    dataQuality: result.dataQuality,
  });
  return { result, seconds, html };
}
