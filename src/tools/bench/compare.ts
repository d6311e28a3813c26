import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { REPORT_FILES, REPORT_NAMES } from '../../queries/report-format.js';

export interface ReportDifference {
  file: string;
  /** 1-based line of the first difference. */
  line: number;
  got: string | undefined;
  want: string | undefined;
}

/** The first line where two texts differ (null if identical). */
export function firstDifference(file: string, got: string, want: string): ReportDifference | null {
  if (got === want) return null;
  const g = got.split('\n');
  const w = want.split('\n');
  let i = 0;
  while (i < g.length && i < w.length && g[i] === w[i]) i++;
  return { file, line: i + 1, got: g[i], want: w[i] };
}

/** Compares the five report files of `outDir` with those of `refDir`, byte for byte. */
export async function compareReports(outDir: string, refDir: string): Promise<ReportDifference | null> {
  for (const name of REPORT_NAMES) {
    const file = REPORT_FILES[name];
    const want = await readFile(path.join(refDir, file), 'utf8');
    const got = await readFile(path.join(outDir, file), 'utf8').catch(() => null);
    if (got === null) return { file, line: 0, got: undefined, want: '(file missing from the client output)' };
    const d = firstDifference(file, got, want);
    if (d) return d;
  }
  return null;
}

export function describeDifference(d: ReportDifference): string {
  if (d.line === 0) return `${d.file} is missing`;
  const show = (s: string | undefined): string => (s === undefined ? '(end of file)' : JSON.stringify(s));
  return `${d.file} differs from the reference at line ${d.line}: got ${show(d.got)}, want ${show(d.want)}`;
}
