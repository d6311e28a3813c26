import { brokerUsage, type BrokerUsage } from './broker-usage.js';
import { parseBrokerAddress } from '../../node/middleware/address.js';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { NODE_KINDS, nodeId, runDir } from '../../node/config/cluster.js';
import { CoffeeError, ErrorCode } from '../../node/errors.js';
import { runClientProcess } from '../../client/process.js';
import { runChaos } from '../chaos/chaos.js';
import type { ClientSummary } from '../../client/options.js';
import type { BenchArgs } from './args.js';
import { defaultJsonFile } from './args.js';
import { startBenchCluster } from './bench-cluster.js';
import { compareReports, describeDifference, type ReportDifference } from './compare.js';
import { ensureDataset, type CachedDataset } from './dataset-cache.js';
import { benchStages, costModel } from './cost-model.js';
import { openDashboardViewer, type DashboardViewer } from './dashboard-viewer.js';
import { duckdbAvailable, runDuckdb, DUCKDB_THREADS } from './duckdb-run.js';
import { runReference, type ReferenceRun } from './reference-run.js';
import { warmPageCache } from './page-cache.js';
import { formatResult, rate, type BenchDuckdb, type BenchResult } from './report.js';
import { aggregateByKind, waitFreshStats } from './stats.js';

/** Nodes write stats every second; give them a few periods before calling a sample stale. */
const STATS_WAIT_MS = 3500;
/** Before the run: the last nodes to boot (the Egg of Life) may need a few seconds more. */
const BOOT_WAIT_MS = 15_000;

export class BenchMismatchError extends CoffeeError {
  constructor(message: string) {
    super(ErrorCode.BENCH_MISMATCH, message);
  }
}

/** A one-client time from an earlier run at the same scale and seed, for the K-client scaling figure. */
function singleClientBaseline(args: BenchArgs): { singleClientSeconds: number; from: string } | null {
  const file = defaultJsonFile(args.scale, 1, false, path.dirname(args.json));
  if (args.clients === 1 || !existsSync(file)) return null;
  try {
    const prev = JSON.parse(readFileSync(file, 'utf8')) as Partial<BenchResult>;
    const c = prev.clients?.[0];
    if (prev.params?.seed !== args.seed || prev.params.scale !== args.scale || c === undefined) return null;
    return { singleClientSeconds: c.seconds, from: path.relative(process.cwd(), file) || file };
  } catch {
    return null;
  }
}

/** Ports of the local broker nodes of the address (undefined when none is local: count every local beam.smp, as before). */
function localBrokerPorts(address: string): number[] | undefined {
  const local = parseBrokerAddress(address)
    .hosts.map((h) => /^(127\.0\.0\.1|localhost|\[::1\]):(\d+)$/.exec(h))
    .filter((m): m is RegExpExecArray => m !== null);
  return local.length > 0 ? local.map((m) => Number(m[2])) : undefined;
}

const log = (line: string): void => void process.stderr.write(`${line}\n`);

/** The whole benchmark; prints the table on stdout and writes the JSON. Returns the exit code. */
export async function runBench(args: BenchArgs): Promise<number> {
  const startedAt = new Date().toISOString();
  const loadBefore = os.loadavg();

  const datasets: CachedDataset[] = [];
  for (let i = 0; i < args.clients; i++) {
    const seed = args.seed + i;
    const d = await ensureDataset(args.dataCache, args.scale, seed);
    log(d.generated ? `generated ${d.dir} (${(d.bytes / 1e6).toFixed(1)} MB) in ${d.generateSeconds.toFixed(1)} s` : `reusing ${d.dir}`);
    datasets.push(d);
  }

  const warm = await warmPageCache(datasets.map((d) => d.dir));
  log(
    `read ${(warm.bytes / 1e6).toFixed(1)} MB of input once in ${warm.seconds.toFixed(1)} s (every timed run starts from the page cache)`,
  );

  const tmp = mkdtempSync(path.join(os.tmpdir(), 'coffee-bench-'));
  const failure: ReportDifference[] = [];
  try {
    log('starting the bench cluster');
    const bc = await startBenchCluster(tmp);
    const onSignal = (): void =>
      void bc.stop().then(() => {
        if (!args.keep) rmSync(tmp, { recursive: true, force: true });
        process.exit(130);
      });
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    let summaries: ClientSummary[];
    let wallSeconds: number;
    let clientCpu: number;
    let clientPeak: number;
    let broker0: BrokerUsage | null = null;
    let kills = 0;
    let brokerDelta: BrokerUsage | null = null;
    let nodeStats: ReturnType<typeof aggregateByKind>;
    let staleStats: string[];
    let viewer: DashboardViewer | undefined;
    try {
      const statsDir = path.join(runDir(bc.config), 'stats');
      // The clock starts on a cluster that is up: every node of the config, not only the
      // gateways `waitReady` asks (the Egg of Life boots last; its boot was counted in the run).
      const ids = NODE_KINDS.flatMap((kind) => Array.from({ length: bc.config.replicas[kind] }, (_, i) => nodeId(kind, i)));
      const before = await waitFreshStats(statsDir, ids, Date.now(), BOOT_WAIT_MS);
      if (args.dashboard) {
        viewer = await openDashboardViewer({ config: bc.config, configFile: bc.cluster.configFile });
        log(`dashboard open in headless chromium at ${viewer.url}`);
      }

      log(`running ${args.clients} client(s)`);
      const ports = localBrokerPorts(bc.config.middleware.address);
      broker0 = brokerUsage(ports);
      const t0 = process.hrtime.bigint();
      // Each client in its own process, as users run them: K clients really run in parallel.
      // With --chaos, one random node of any kind is SIGKILLed every interval during the run.
      const abort = new AbortController();
      const chaos =
        args.chaos === null
          ? Promise.resolve([])
          : runChaos({
              cluster: bc.config,
              intervalMs: args.chaos * 1000,
              kill: 1,
              signal: abort.signal,
              onKill: (k) => log(`chaos: killed ${k.id} pid ${k.pid}`),
            });
      let runs;
      try {
        runs = await Promise.all(
          datasets.map((d, i) =>
            runClientProcess({
              data: d.dir,
              out: path.join(tmp, 'out', `client-${i + 1}`),
              gateways: bc.cluster.gateways(),
              htmlReport: false,
              readers: args.readers,
            }),
          ),
        );
      } finally {
        abort.abort();
        kills = (await chaos).length;
      }
      wallSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
      // Closed after the clock stops: the browser's teardown is not part of the run.
      await viewer?.close();
      const broker1 = brokerUsage(ports);
      brokerDelta =
        broker0 !== null && broker1 !== null
          ? { cpuSeconds: broker1.cpuSeconds - broker0.cpuSeconds, diskWriteBytes: broker1.diskWriteBytes - broker0.diskWriteBytes }
          : null;
      summaries = runs;
      clientCpu = runs.reduce((a, r) => a + r.resources.cpuSeconds, 0);
      clientPeak = Math.max(...runs.map((r) => r.resources.maxRssBytes));

      const after = await waitFreshStats(
        statsDir,
        bc.cluster.nodes().map((n) => n.id),
        Date.now(),
        STATS_WAIT_MS,
      );
      nodeStats = aggregateByKind(before.stats, after.stats);
      staleStats = after.stale;
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      await viewer?.close();
      log('stopping the bench cluster');
      await bc.stop();
    }

    // The reference, one dataset after another, on the now idle machine.
    const refs: ReferenceRun[] = [];
    for (const [i, d] of datasets.entries()) {
      log(`running the reference on ${d.dir}`);
      const refDir = path.join(tmp, 'reference', `dataset-${i + 1}`);
      refs.push(await runReference(d.dir, refDir));
      const diff = await compareReports(path.join(tmp, 'out', `client-${i + 1}`), refDir);
      if (diff) failure.push({ ...diff, file: `client ${i + 1}: ${diff.file}` });
    }
    // DuckDB on the same files, its reports checked against the same reference.
    let duck: BenchDuckdb[] | null = null;
    if (duckdbAvailable()) {
      duck = [];
      for (const [i, d] of datasets.entries()) {
        log(`running DuckDB on ${d.dir}`);
        const outDir = path.join(tmp, 'duckdb', `dataset-${i + 1}`);
        const run = await runDuckdb(d.dir, outDir);
        const diff = await compareReports(outDir, path.join(tmp, 'reference', `dataset-${i + 1}`));
        if (diff) failure.push({ ...diff, file: `duckdb ${i + 1}: ${diff.file}` });
        duck.push({ seed: d.seed, ...run, threads: DUCKDB_THREADS, matchesReference: diff === null });
      }
    } else log('DuckDB not run: @duckdb/node-api is not installed (a devDependency)');

    const totalBytes = summaries.reduce((a, s) => a + s.inputBytes, 0);
    const rowsOf = (s: ClientSummary): number => Object.values(s.rows).reduce((a, n) => a + n, 0);
    const totalRows = summaries.reduce((a, s) => a + rowsOf(s), 0);
    const refSeconds = refs.reduce((a, r) => a + r.seconds, 0);
    const baseline = singleClientBaseline(args);
    const result: BenchResult = {
      version: 1,
      startedAt,
      machine: { cpus: os.cpus().length, node: process.version, loadBefore, loadAfter: os.loadavg() },
      params: { scale: args.scale, clients: args.clients, seed: args.seed, readers: args.readers },
      datasets: datasets.map((d) => ({
        seed: d.seed,
        dir: d.dir,
        bytes: d.bytes,
        rows: Object.values(d.rows).reduce((a, n) => a + n, 0),
        generated: d.generated,
      })),
      clients: summaries.map((s, i) => ({
        index: i + 1,
        seed: datasets[i].seed,
        session: s.session,
        seconds: s.seconds,
        rows: rowsOf(s),
        inputBytes: s.inputBytes,
        rejected: s.rejected,
        mbPerSec: rate(s.inputBytes / 1e6, s.seconds),
        rowsPerSec: rate(rowsOf(s), s.seconds),
        referenceSeconds: refs[i].seconds,
        ratio: rate(s.seconds, refs[i].seconds),
        matchesReference: !failure.some((f) => f.file.startsWith(`client ${i + 1}:`)),
      })),
      wallSeconds,
      throughput: {
        inputBytes: totalBytes,
        rows: totalRows,
        mbPerSec: rate(totalBytes / 1e6, wallSeconds),
        rowsPerSec: rate(totalRows, wallSeconds),
      },
      reference: refs.map((r, i) => ({
        seed: datasets[i].seed,
        seconds: r.seconds,
        wallSeconds: r.wallSeconds,
        maxRssBytes: r.maxRssBytes,
        cpuSeconds: r.cpuSeconds,
        mbPerSec: rate(r.inputBytes / 1e6, r.seconds),
        rowsPerSec: rate(r.rows, r.seconds),
      })),
      ratioToReference: rate(wallSeconds, refSeconds),
      duckdb: duck,
      ratioToDuckdb:
        duck === null
          ? null
          : rate(
              wallSeconds,
              duck.reduce((a, x) => a + x.seconds, 0),
            ),
      costModel: costModel({
        inputBytes: totalBytes,
        clients: args.clients,
        stages: benchStages(nodeStats, { cpuSeconds: clientCpu }, args.clients, brokerDelta?.cpuSeconds ?? null),
      }),
      scaling: baseline ? { ...baseline, wallOverSingle: rate(wallSeconds, baseline.singleClientSeconds) } : null,
      nodes: nodeStats,
      nodeTotals: {
        cpuSeconds: nodeStats.reduce((a, k) => a + k.cpuSeconds, 0),
        sumPeakRssBytes: nodeStats.reduce((a, k) => a + k.sumRssBytes, 0),
      },
      staleStats,
      client: { maxRssBytes: clientPeak, cpuSeconds: clientCpu },
      broker: { cpuSeconds: brokerDelta?.cpuSeconds ?? null, diskWriteBytes: brokerDelta?.diskWriteBytes ?? null },
      chaos: args.chaos === null ? null : { intervalSeconds: args.chaos, kills },
      dashboard: args.dashboard,
    };
    process.stdout.write(formatResult(result));
    if (failure.length > 0) {
      // A wrong answer has no meaningful speed: no JSON, non-zero exit.
      for (const f of failure) log(`bench: ${describeDifference(f)}`);
      throw new BenchMismatchError(`reports differ from the reference (${failure.length} run(s)); no results written`);
    }
    mkdirSync(path.dirname(args.json), { recursive: true });
    writeFileSync(args.json, `${JSON.stringify(result, null, 2)}\n`);
    process.stdout.write(`results written to ${path.relative(process.cwd(), args.json) || args.json}\n`);
    return 0;
  } finally {
    if (args.keep) log(`kept ${tmp}`);
    else rmSync(tmp, { recursive: true, force: true });
  }
}
