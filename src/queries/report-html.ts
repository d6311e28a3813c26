import { readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { forEachCsvRecord, parseCsvString } from '../dataset/csv/file.js';
import { REPORT_FILES, formatCents } from './report-format.js';
import { MISSING_REFERENCE_CHECKS, MISSING_REFERENCE_KEYS, formatIds, missingReferenceRows, type DataQuality } from './data-quality.js';
import {
  UNKNOWN_BIRTHDATE,
  UNKNOWN_ITEM,
  UNKNOWN_STORE,
  q1AmountsSpec,
  q2Spec,
  q3Spec,
  q4Spec,
  renderCharts,
  type AmountBin,
} from './report-charts.js';

/**
 * report.html: one self-contained page next to the five CSV files — the run's facts, data
 * quality, and per query a chart (inline SVG, rendered when the page is written) and its
 * table. No script, no stylesheet or font to fetch, no URL: it opens from disk, offline.
 * Built from the CSV files themselves, so the pipeline's and the reference's pages differ
 * only in the run's facts (the <header>), never in <main>.
 */
export const REPORT_HTML = 'report.html';

export interface RunFacts {
  /** Who computed the reports. */
  producer: 'pipeline' | 'reference';
  /** The dataset folder. */
  dataset: string;
  /** The session id (pipeline runs). */
  session?: string;
  /** Valid rows read per table. */
  rows: Record<string, number>;
  rejected: number;
  /** The rejections file (absolute or relative to the report), when rows were rejected. */
  rejectsFile: string | null;
  seconds: number;
  dataQuality: DataQuality;
}

/** The report files' contents as the page needs them (Q1 summarised while streamed). */
export interface ReportData {
  q1: { count: number; totalCents: number; first: [string, string][]; bins: AmountBin[] };
  q2BestSelling: [string, string, string][];
  q2MostProfit: [string, string, string][];
  q3: [string, string, string][];
  q4: [string, string, string][];
}

const Q1_FIRST_ROWS = 10;
/** Tables longer than this are folded under their chart. */
const FOLD_ROWS = 30;
/** Q1 amounts are binned by 5.00 from 75.00; everything from 275.00 up shares the last bin. */
const BIN_CENTS = 500;
const BIN_FROM = 7500;
const BIN_LAST = 40;

export interface HtmlReportTiming {
  file: string;
  /** Loading the charting libraries (0 once loaded), rendering the charts, and in all (ms). */
  loadMs: number;
  chartMs: number;
  totalMs: number;
}

/** Writes `<dir>/report.html` from the CSV files in dir (atomically: whole or absent). */
export async function writeHtmlReport(dir: string, facts: RunFacts): Promise<HtmlReportTiming> {
  const t0 = performance.now();
  const data = await readReportData(dir);
  const { html, loadMs, chartMs } = await renderHtmlReport(data, facts, { rejectsHref: rejectsHref(dir, facts.rejectsFile) });
  const file = path.join(dir, REPORT_HTML);
  await writeFile(`${file}.tmp`, html);
  await rename(`${file}.tmp`, file);
  return { file, loadMs, chartMs, totalMs: performance.now() - t0 };
}

function rejectsHref(dir: string, file: string | null): string | null {
  if (file === null) return null;
  const rel = path.relative(dir, path.resolve(dir, file));
  return rel.split(path.sep).map(encodeURIComponent).join('/');
}

/** Reads the five CSV files: Q1 is streamed (it can be millions of rows), the others are small. */
export async function readReportData(dir: string): Promise<ReportData> {
  const q1: ReportData['q1'] = { count: 0, totalCents: 0, first: [], bins: [] };
  const bins = new Map<number, number>();
  await forEachCsvRecord(path.join(dir, REPORT_FILES.q1), (rec) => {
    if (rec.line === 1 || rec.fieldCount !== 2) return;
    const amount = rec.text(1);
    const cents = parseCents(amount);
    q1.count++;
    q1.totalCents += cents;
    if (q1.first.length < Q1_FIRST_ROWS) q1.first.push([rec.text(0), amount]);
    const bin = Math.max(0, Math.min(BIN_LAST, Math.floor((cents - BIN_FROM) / BIN_CENTS)));
    bins.set(bin, (bins.get(bin) ?? 0) + 1);
  });
  q1.bins = [...bins.keys()]
    .sort((a, b) => a - b)
    .map((b) => {
      const from = BIN_FROM + b * BIN_CENTS;
      const label = b === BIN_LAST ? `${from / 100}+` : `${from / 100}–${(from + BIN_CENTS) / 100}`;
      return { bin: label, from, transactions: bins.get(b)! };
    });
  const small = async (name: Exclude<keyof typeof REPORT_FILES, 'q1'>): Promise<[string, string, string][]> =>
    parseCsvString(await readFile(path.join(dir, REPORT_FILES[name])))
      .slice(1)
      .filter((r) => r.fields.length === 3)
      .map((r) => r.fields as [string, string, string]);
  return {
    q1,
    q2BestSelling: await small('q2BestSelling'),
    q2MostProfit: await small('q2MostProfit'),
    q3: await small('q3'),
    q4: await small('q4'),
  };
}

/** `12.30` -> 1230 (the report format: integer part, a dot, two digits). */
function parseCents(s: string): number {
  const m = /^(-?)(\d+)\.(\d\d)$/.exec(s);
  if (m === null) return 0;
  const v = Number(m[2]) * 100 + Number(m[3]);
  return m[1] === '-' ? -v : v;
}

/** HTML-escapes text for element content and double-quoted attribute values. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ESCAPES[c]);
}
const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/**
 * `n.toLocaleString('en-US')`, without it for safe integers: the first toLocaleString of a
 * process loads ICU's number formatting (~0.1 CPU-s), on the path from the last CSV report to
 * report.html (issue 11). Same text: digits grouped by three with commas, `-` for negatives.
 */
export function groupDigits(n: number): string {
  if (!Number.isSafeInteger(n)) return n.toLocaleString('en-US');
  const digits = String(Math.abs(n));
  let out = digits.slice(0, ((digits.length - 1) % 3) + 1);
  for (let i = out.length; i < digits.length; i += 3) out += `,${digits.slice(i, i + 3)}`;
  return n < 0 || Object.is(n, -0) ? `-${out}` : out;
}
const num = groupDigits;
const money = (cents: number): string => {
  const s = formatCents(cents);
  const [units, dec] = s.split('.');
  return `${groupDigits(Number(units))}.${dec}`;
};

export async function renderHtmlReport(
  data: ReportData,
  facts: RunFacts,
  options: { rejectsHref?: string | null; writtenAt?: Date } = {},
): Promise<{ html: string; loadMs: number; chartMs: number }> {
  const amount = (s: string): number => parseCents(s) / 100;
  const q2Items = [...new Set([...data.q2BestSelling, ...data.q2MostProfit].map((r) => r[1]))].sort();
  const charts = await renderCharts([
    q1AmountsSpec(data.q1.bins),
    q2Spec(
      data.q2BestSelling.map(([month, item, qty]) => ({ month, item, value: Number(qty) })),
      'units sold',
      q2Items,
    ),
    q2Spec(
      data.q2MostProfit.map(([month, item, profit]) => ({ month, item, value: amount(profit) })),
      'profit (subtotal sum)',
      q2Items,
    ),
    q3Spec(data.q3.map(([half, store, tpv]) => ({ half, store, tpv: amount(tpv) }))),
    q4Spec(withRanks(data.q4)),
  ]);
  const [q1Chart, q2QtyChart, q2ProfitChart, q3Chart, q4Chart] = charts.svgs;
  const writtenAt = (options.writtenAt ?? new Date()).toISOString().replace(/\.\d+Z$/, 'Z');

  const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Coffee Shop Analysis — ${escapeHtml(path.basename(facts.dataset))}</title>
<style>${STYLE}</style>
</head>
<body>
<header>
<h1>Coffee Shop Analysis</h1>
${factsTable(facts, options.rejectsHref ?? null, writtenAt)}
</header>
<main>
${dataQualitySection(facts.dataQuality)}
<section class="query" id="q1" data-query="q1">
<h2>Q1 · Transactions of 75.00 or more</h2>
<p class="rule">2024–2025, 06:00–23:00. Every row is in <a href="${REPORT_FILES.q1}">${REPORT_FILES.q1}</a>.</p>
<p class="totals"><strong>${num(data.q1.count)}</strong> transactions, <strong>${money(data.q1.totalCents)}</strong> in all.</p>
${figure(q1Chart, 'How their final amounts are distributed')}
${table(
  ['transaction_id', 'final_amount'],
  data.q1.first,
  [false, true],
  data.q1.count > data.q1.first.length ? `first ${data.q1.first.length} of ${num(data.q1.count)} rows` : undefined,
)}
</section>
<section class="query" id="q2" data-query="q2">
<h2>Q2 · Best-selling and most profitable item per month</h2>
<p class="rule">2024–2025, by quantity and by subtotal; ties go to the smaller item_id.</p>
${figure(q2QtyChart, `Best seller per month (<a href="${REPORT_FILES.q2BestSelling}">${REPORT_FILES.q2BestSelling}</a>)`)}
${figure(q2ProfitChart, `Most profitable item per month (<a href="${REPORT_FILES.q2MostProfit}">${REPORT_FILES.q2MostProfit}</a>)`)}
${table(
  ['month', 'best seller', 'units', 'most profitable', 'profit'],
  data.q2BestSelling.map(([month, item, qty], i) => {
    const p = data.q2MostProfit[i] ?? ['', '', ''];
    return [month, item === '' ? UNKNOWN_ITEM : item, qty, p[1] === '' ? UNKNOWN_ITEM : p[1], p[2]];
  }),
  [false, false, true, false, true],
)}
</section>
<section class="query" id="q3" data-query="q3">
<h2>Q3 · Total payment value per store and half year</h2>
<p class="rule">2024–2025, 06:00–23:00 (<a href="${REPORT_FILES.q3}">${REPORT_FILES.q3}</a>).</p>
${figure(q3Chart, 'TPV per store, one bar per half year')}
${table(
  ['half year', 'store', 'TPV'],
  data.q3.map(([half, store, tpv]) => [half, store === '' ? UNKNOWN_STORE : store, tpv]),
  [false, false, true],
)}
</section>
<section class="query" id="q4" data-query="q4">
<h2>Q4 · Top 3 customers per store</h2>
<p class="rule">Purchases in 2024–2025, guests excluded; ties go to the smaller user_id (<a href="${REPORT_FILES.q4}">${REPORT_FILES.q4}</a>).</p>
${figure(q4Chart, 'Purchases of each store’s top customers, labelled with their birthdate')}
${table(
  ['store', 'birthdate', 'purchases'],
  data.q4.map(([store, birthdate, n]) => [store === '' ? UNKNOWN_STORE : store, birthdate === '' ? UNKNOWN_BIRTHDATE : birthdate, n]),
  [false, false, true],
)}
</section>
</main>
<footer>Written ${escapeHtml(writtenAt)} by coffee-analysis; charts rendered with Vega-Lite in ${Math.round(charts.renderMs)} ms.</footer>
</body>
</html>
`;
  return { html, loadMs: charts.loadMs, chartMs: charts.renderMs };
}

function withRanks(rows: readonly [string, string, string][]): { store: string; rank: number; birthdate: string; purchases: number }[] {
  let prev: string | undefined;
  let rank = 0;
  return rows.map(([store, birthdate, n]) => {
    rank = store === prev ? rank + 1 : 1;
    prev = store;
    return { store, rank, birthdate, purchases: Number(n) };
  });
}

function factsTable(f: RunFacts, rejectsHref: string | null, writtenAt: string): string {
  const total = Object.values(f.rows).reduce((a, b) => a + b, 0);
  const perTable = Object.entries(f.rows)
    .map(([t, n]) => `${escapeHtml(t)} ${num(n)}`)
    .join(', ');
  const rejected =
    f.rejected === 0
      ? 'none'
      : `${num(f.rejected)}${rejectsHref !== null ? ` (<a href="${escapeHtml(rejectsHref)}">${escapeHtml(path.basename(rejectsHref))}</a>)` : ''}`;
  const rows: [string, string][] = [
    ['Dataset', `<code>${escapeHtml(f.dataset)}</code>`],
    ['Computed by', f.producer === 'pipeline' ? 'the distributed pipeline' : 'the single-process reference'],
    ...(f.session !== undefined ? ([['Session', `<code>${escapeHtml(f.session)}</code>`]] as [string, string][]) : []),
    ['Rows read', `${num(total)} <span class="detail">(${perTable})</span>`],
    ['Rows rejected', rejected],
    ['Duration', `${f.seconds.toFixed(2)} s`],
    ['Written', escapeHtml(writtenAt)],
  ];
  return `<table class="facts">${rows.map(([k, v]) => `<tr><th>${k}</th><td>${v}</td></tr>`).join('')}</table>`;
}

function dataQualitySection(dq: DataQuality): string {
  const head = '<section id="data-quality" data-query="data-quality">\n<h2>Data quality</h2>';
  if (missingReferenceRows(dq) === 0)
    return `${head}\n<p class="ok">Every store, menu item and user the reports use is in its reference table.</p>\n</section>`;
  const rows = MISSING_REFERENCE_KEYS.filter((k) => dq[k].rows > 0).map((k) => {
    const c = MISSING_REFERENCE_CHECKS[k];
    return [c.report.toUpperCase(), `${c.table}.${c.column}`, c.reference, num(dq[k].rows), formatIds(dq[k].ids), c.effect];
  });
  return `${head}
<p class="warn">Some rows reference a store, item or user that is not in its reference table. They still count (their
units, amounts and purchases are in the figures); the name or birthdate they would bring is empty in the CSV files and
shown as “not in …” here.</p>
${table(['report', 'column', 'missing from', 'rows', 'missing ids', 'effect'], rows, [false, false, false, true, false, false])}
</section>`;
}

function figure(svg: string | undefined, caption: string): string {
  // caption is our own markup (links to the CSV files), never data.
  return `<figure class="chart">${svg ?? ''}<figcaption>${caption}</figcaption></figure>`;
}

function table(head: string[], rows: readonly (readonly string[])[], numeric: boolean[], note?: string): string {
  const cls = (i: number): string => (numeric[i] ? ' class="n"' : '');
  const th = head.map((h, i) => `<th${cls(i)}>${escapeHtml(h)}</th>`).join('');
  const body = rows.map((r) => `<tr>${r.map((v, i) => `<td${cls(i)}>${escapeHtml(v)}</td>`).join('')}</tr>`).join('\n');
  const html = `<table class="data">${note !== undefined ? `<caption>${escapeHtml(note)}</caption>` : ''}<thead><tr>${th}</tr></thead><tbody>\n${body}\n</tbody></table>`;
  // Long tables fold (a <details> element: no script needed); the chart above already shows them.
  return rows.length > FOLD_ROWS ? `<details><summary>The ${rows.length} rows</summary>\n${html}\n</details>` : html;
}

const STYLE = `
body{font:14px/1.45 system-ui,sans-serif;color:#222;margin:0 auto;max-width:1000px;padding:1rem 1.5rem 3rem}
h1{margin:.2rem 0 .8rem;font-size:1.6rem;color:#5b3a29}
h2{margin:2rem 0 .3rem;font-size:1.2rem;border-bottom:2px solid #e8ddd4;padding-bottom:.2rem;color:#5b3a29}
table{border-collapse:collapse;margin:.5rem 0}
th,td{padding:.2rem .6rem;text-align:left;vertical-align:top}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
table.data thead th{border-bottom:1px solid #bbb}
table.data tbody tr:nth-child(even){background:#faf7f4}
table.data caption{caption-side:bottom;color:#777;font-size:.85rem;text-align:left}
table.facts th{color:#666;font-weight:normal;padding-left:0}
.detail,.rule,figcaption,footer{color:#666;font-size:.9rem}
figure.chart{margin:.8rem 0}
summary{cursor:pointer;color:#5b3a29}
.ok{color:#2d6a2d}
.warn{background:#fff4e0;border-left:4px solid #e0a030;padding:.4rem .7rem}
footer{margin-top:2rem;border-top:1px solid #eee;padding-top:.5rem}
`.trim();
