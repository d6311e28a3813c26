import { formatCostModel, type CostModel } from './cost-model.js';
import type { KindStats } from './stats.js';
import type { Readers } from '../../client/options.js';

export interface BenchDataset {
  seed: number;
  dir: string;
  bytes: number;
  rows: number;
  generated: boolean;
}
export interface BenchClient {
  index: number;
  seed: number;
  session: string;
  /** Client start -> five reports written. */
  seconds: number;
  rows: number;
  inputBytes: number;
  rejected: number;
  mbPerSec: number;
  rowsPerSec: number;
  /** Reference seconds on the same dataset. */
  referenceSeconds: number;
  /** seconds / referenceSeconds. */
  ratio: number;
  matchesReference: boolean;
}
export interface BenchReference {
  seed: number;
  seconds: number;
  wallSeconds: number;
  maxRssBytes: number;
  cpuSeconds: number;
  mbPerSec: number;
  rowsPerSec: number;
}
/** DuckDB on the same files (src/tools/bench/duckdb-sql.ts), its reports checked like the pipeline's. */
export interface BenchDuckdb {
  seed: number;
  seconds: number;
  wallSeconds: number;
  maxRssBytes: number;
  cpuSeconds: number;
  threads: number;
  matchesReference: boolean;
}
export interface BenchResult {
  version: 1;
  startedAt: string;
  machine: { cpus: number; node: string; loadBefore: number[]; loadAfter: number[] };
  params: { scale: number; clients: number; seed: number; readers?: Readers };
  datasets: BenchDataset[];
  clients: BenchClient[];
  /** First client start -> last client done. */
  wallSeconds: number;
  throughput: { inputBytes: number; rows: number; mbPerSec: number; rowsPerSec: number };
  reference: BenchReference[];
  /** wallSeconds / the sum of the reference runs (the reference does the datasets one after another). */
  ratioToReference: number;
  /** Null when @duckdb/node-api is not installed (a devDependency). */
  duckdb?: BenchDuckdb[] | null;
  /** wallSeconds / the sum of the DuckDB runs. */
  ratioToDuckdb?: number | null;
  costModel?: CostModel;
  /** K clients only: wallSeconds / one client's seconds from an earlier `--clients 1` result. */
  scaling: { singleClientSeconds: number; from: string; wallOverSingle: number } | null;
  nodes: KindStats[];
  nodeTotals: { cpuSeconds: number; sumPeakRssBytes: number };
  /** Nodes whose last stats sample predates the end of the run (their figures may be low). */
  staleStats: string[];
  /** The bench process, which runs the clients. */
  /** Client processes: peak RSS of the largest, CPU summed. */
  client: { maxRssBytes: number; cpuSeconds: number };
  /** CPU of the local RabbitMQ during the run (null where /proc is not readable). */
  broker?: { cpuSeconds: number | null; diskWriteBytes?: number | null };
  /** With --chaos: the interval and how many nodes were SIGKILLed during the run. */
  chaos?: { intervalSeconds: number; kills: number } | null;
  /** With --dashboard: the dashboard was served and open in headless chromium during the run. */
  dashboard?: boolean;
}

const mb = (b: number): string => (b / 1e6).toFixed(1);
const num = (n: number): string => Math.round(n).toLocaleString('en-US');
const s2 = (n: number): string => n.toFixed(2);

export function rate(amount: number, seconds: number): number {
  return seconds > 0 ? amount / seconds : 0;
}

/** The human table printed at the end of a run. */
export function formatResult(r: BenchResult): string {
  const lines: string[] = [];
  const totalBytes = r.datasets.reduce((a, d) => a + d.bytes, 0);
  const totalRows = r.datasets.reduce((a, d) => a + d.rows, 0);
  lines.push(
    `dataset     scale ${r.params.scale}, ${r.datasets.length} dataset(s), ${mb(totalBytes)} MB, ${num(totalRows)} rows (seeds ${r.datasets.map((d) => d.seed).join(', ')})${r.params.readers !== undefined && r.params.readers !== 'auto' ? `, clients --readers ${r.params.readers}` : ''}`,
  );
  for (const c of r.clients) {
    lines.push(
      `client ${String(c.index).padEnd(4)} ${s2(c.seconds).padStart(7)} s  ${c.mbPerSec.toFixed(1).padStart(6)} MB/s  ${num(c.rowsPerSec).padStart(9)} rows/s  ` +
        `reference ${s2(c.referenceSeconds)} s  ratio ${c.ratio.toFixed(1)}x  ${c.matchesReference ? 'reports match' : 'REPORTS DIFFER'}`,
    );
  }
  lines.push(
    `wall        ${s2(r.wallSeconds).padStart(7)} s  ${r.throughput.mbPerSec.toFixed(1).padStart(6)} MB/s  ${num(r.throughput.rowsPerSec).padStart(9)} rows/s  (all clients)`,
  );
  const refSeconds = r.reference.reduce((a, x) => a + x.seconds, 0);
  const refRss = Math.max(...r.reference.map((x) => x.maxRssBytes));
  lines.push(
    `reference   ${s2(refSeconds).padStart(7)} s  ${rate(totalBytes / 1e6, refSeconds)
      .toFixed(1)
      .padStart(6)} MB/s  ${num(rate(totalRows, refSeconds)).padStart(9)} rows/s  (single process, peak RSS ${mb(refRss)} MB)`,
  );
  const duck = r.duckdb ?? null;
  const duckSeconds = duck === null ? 0 : duck.reduce((a, x) => a + x.seconds, 0);
  if (duck === null) lines.push('duckdb      not run (@duckdb/node-api is a devDependency: npm ci without --omit=dev)');
  else
    lines.push(
      `duckdb      ${s2(duckSeconds).padStart(7)} s  ${rate(totalBytes / 1e6, duckSeconds)
        .toFixed(1)
        .padStart(6)} MB/s  ${num(rate(totalRows, duckSeconds)).padStart(9)} rows/s  (${duck[0]?.threads ?? 0} threads, peak RSS ${mb(
        Math.max(...duck.map((x) => x.maxRssBytes)),
      )} MB, CPU ${s2(duck.reduce((a, x) => a + x.cpuSeconds, 0))} s)  ${duck.every((x) => x.matchesReference) ? 'reports match' : 'REPORTS DIFFER'}`,
    );
  lines.push(
    `ratio       ${r.ratioToReference.toFixed(2)}x end-to-end wall / reference` +
      (r.ratioToDuckdb != null ? `, ${r.ratioToDuckdb.toFixed(2)}x end-to-end wall / DuckDB` : ''),
  );
  const largest = r.nodes.reduce<KindStats | null>((a, k) => (a === null || k.maxRssBytes > a.maxRssBytes ? k : a), null);
  lines.push(
    `peak RSS    pipeline: client ${mb(r.client.maxRssBytes)} MB, largest node ${largest ? `${mb(largest.maxRssBytes)} MB (${largest.kind})` : '-'}; ` +
      `reference ${mb(refRss)} MB` +
      (duck === null ? '' : `; DuckDB ${mb(Math.max(...duck.map((x) => x.maxRssBytes)))} MB`),
  );
  if (r.scaling)
    lines.push(
      `scaling     ${r.scaling.wallOverSingle.toFixed(2)}x ${r.clients.length}-client wall / one client (${s2(r.scaling.singleClientSeconds)} s in ${r.scaling.from})`,
    );
  lines.push('');
  lines.push(
    `${'node kind'.padEnd(14)}${'replicas'.padStart(8)}${'peak RSS MB'.padStart(13)}${'CPU s'.padStart(9)}${'disk MB'.padStart(10)}`,
  );
  for (const k of r.nodes)
    lines.push(
      `${k.kind.padEnd(14)}${String(k.replicas).padStart(8)}${mb(k.maxRssBytes).padStart(13)}${s2(k.cpuSeconds).padStart(9)}${mb(k.diskWriteBytes ?? 0).padStart(10)}`,
    );
  lines.push(
    `${'(all nodes)'.padEnd(14)}${''.padStart(8)}${(mb(r.nodeTotals.sumPeakRssBytes) + ' sum').padStart(13)}${s2(r.nodeTotals.cpuSeconds).padStart(9)}`,
  );
  lines.push(
    `${'client(s)'.padEnd(14)}${String(r.clients.length).padStart(8)}${mb(r.client.maxRssBytes).padStart(13)}${s2(r.client.cpuSeconds).padStart(9)}`,
  );
  if (r.chaos)
    lines.push(
      `chaos       ${r.chaos.kills} nodes SIGKILLed during the run (one every ${r.chaos.intervalSeconds} s); reports still compared byte for byte`,
    );
  if (r.dashboard) lines.push('dashboard   served and open in headless chromium during the run (live updates streaming)');
  if (r.broker?.cpuSeconds != null)
    lines.push(
      `${'rabbitmq'.padEnd(14)}${''.padStart(8)}${''.padStart(13)}${s2(r.broker.cpuSeconds).padStart(9)}${(r.broker.diskWriteBytes != null ? mb(r.broker.diskWriteBytes) : '').padStart(10)}`,
    );
  if (r.staleStats.length > 0) lines.push(`(no fresh stats from ${r.staleStats.join(', ')}: their figures may be low)`);
  if (r.costModel) {
    lines.push('');
    lines.push(formatCostModel(r.costModel, r.wallSeconds, r.machine.cpus).trimEnd());
    lines.push('');
  }
  lines.push(
    `load        ${r.machine.loadBefore.map((x) => x.toFixed(2)).join(' ')} before, ${r.machine.loadAfter.map((x) => x.toFixed(2)).join(' ')} after (${r.machine.cpus} cores)`,
  );
  return `${lines.join('\n')}\n`;
}
