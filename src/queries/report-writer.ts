import path from 'node:path';
import { writeFileAtomicStreamed } from '../node/storage/atomic.js';
import { REPORT_FILES, REPORT_NAMES, type ReportName } from './report-format.js';

/**
 * A report's content: the whole text, or chunks produced on the fly for a report too big to
 * hold (the client's Q1, merged from the partitions' spooled runs, as bytes).
 */
export type ReportContent = string | Iterable<string | Buffer> | AsyncIterable<string | Buffer>;

/**
 * Writes the five report files into dir (created if needed), each atomically: a file either is
 * whole or absent, never half written. The one writer of the reference and the client.
 * Not fsynced: a report is rebuilt by running again, and fsyncing large files would weigh on
 * the benchmark's timings.
 */
export async function writeReports(dir: string, reports: Record<ReportName, ReportContent>): Promise<void> {
  for (const name of REPORT_NAMES) {
    const content = reports[name];
    await writeFileAtomicStreamed(path.join(dir, REPORT_FILES[name]), typeof content === 'string' ? [content] : content, {
      durable: false,
    });
  }
}
