import { parseFlags } from './flags.js';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../../node/config/paths.js';
import { logDir, loadClusterConfig } from '../../node/config/cluster.js';
import { UsageError } from '../../node/errors.js';
import { gatewayAddress, startLocalCluster } from '../cluster/local-cluster.js';
import { ensureBroker } from '../cluster/ensure-broker.js';
import { runClientProcess } from '../../client/process.js';
import { printSummary } from './client.js';
import { writeSupervisorPid } from '../cluster/supervisor.js';
import { startDashboard } from '../../dashboard/server.js';
import { REPORT_FILES } from '../../queries/report-format.js';
import type { ClientSummary } from '../../client/options.js';

const START_USAGE =
  'usage: npm start [-- --data DIR [--data DIR ...] --out DIR --config FILE]\n' +
  '  without --data: the sample dataset (made in data/sample if missing), reports in results/\n' +
  '  several --data: one client each, at once; reports in OUT/client-1, OUT/client-2, ...';

/** A path as the user would type it: relative below the current folder, absolute elsewhere. */
function shortPath(p: string): string {
  const rel = path.relative(process.cwd(), p);
  return rel === '' || rel.startsWith('..') ? p : rel;
}

/** The files a run left, per client: the five reports, the rejections if any, report.html last (open it). */
function reportPaths(outs: string[], summaries: ClientSummary[]): string {
  let text = '';
  outs.forEach((out, i) => {
    const s = summaries[i];
    text += `reports${outs.length > 1 ? ` of client ${i + 1}` : ''}:\n`;
    for (const f of Object.values(REPORT_FILES)) text += `  ${shortPath(path.join(out, f))}\n`;
    if (s.rejectsFile !== null) text += `  ${shortPath(s.rejectsFile)}\n`;
    if (s.htmlReport !== null) text += `  ${shortPath(s.htmlReport)}   <- open in a browser\n`;
  });
  return text;
}

type ClientRun = Awaited<ReturnType<typeof runClientProcess>>;

/** The sample `npm start` makes when there is none: small, with every hard case. */
export const SAMPLE = { dir: path.join(REPO_ROOT, 'data', 'sample'), scale: 0.002, seed: 42 };

/**
 * `npm start [-- --data DIR ... --out DIR]`: the main job. Makes the sample dataset if
 * needed, starts the local cluster, runs one client per --data (at once), writes the reports,
 * prints a summary, stops the cluster.
 */
export async function run(argv: string[]): Promise<number> {
  const { values } = parseFlags(
    'start',
    { args: argv, options: { data: { type: 'string', multiple: true }, out: { type: 'string' }, config: { type: 'string' } } },
    START_USAGE,
  );
  const datas = (values.data ?? []).map((d) => path.resolve(d));
  const out = path.resolve(values.out ?? path.join(REPO_ROOT, 'results'));
  if (datas.length === 0) {
    if (!existsSync(path.join(SAMPLE.dir, 'transactions'))) {
      process.stdout.write(
        `making the sample dataset in ${path.relative(process.cwd(), SAMPLE.dir) || SAMPLE.dir} (scale ${SAMPLE.scale}, seed ${SAMPLE.seed}, hard cases included)\n`,
      );
      // Loaded only here: a start with the sample already made does not pay for the generator's code.
      const { generateDataset } = await import('../generator/index.js');
      await generateDataset({ out: SAMPLE.dir, scale: SAMPLE.scale, seed: SAMPLE.seed, hardCases: true, badRows: false });
    }
    datas.push(SAMPLE.dir);
  }
  for (const d of datas)
    if (!existsSync(d))
      throw new UsageError(`dataset folder ${d} does not exist (make one with \`npx coffee-analysis generate --out ${d}\`)`);

  // No broker: start a local one where we can, else fail fast, in one line (every node would
  // only wait for it); a queue-type mismatch fails here too.
  const clusterConfig = loadClusterConfig(values.config ? path.resolve(values.config) : undefined);
  const localBroker = await ensureBroker(clusterConfig, (line) => process.stdout.write(`${line}\n`));

  const started = Date.now();
  const outs = datas.length === 1 ? [out] : datas.map((_, i) => path.join(out, `client-${i + 1}`));
  const progress = datas.length === 1 && process.stderr.isTTY === true;
  const abortClients = new AbortController();
  let clients: Promise<ClientRun[]> | undefined;
  // The clients start with the cluster, not after it: each loads its code and checks its
  // dataset while the nodes boot (on two cores, a client started once a gateway answered
  // waited ~1.5 s for CPU to load), then connects as soon as a gateway listens (it retries
  // refused connections every 50 ms) and uploads while the rest of the cluster comes up; the
  // durable queues hold the batches until their workers are there (issue 11). One process per
  // client, as users run them: several clients really run in parallel.
  const startClients = (): void => {
    const gateways = Array.from({ length: clusterConfig.replicas.gateway }, (_, i) => gatewayAddress(clusterConfig, i));
    clients = Promise.all(
      datas.map((data, i) => runClientProcess({ data, out: outs[i], gateways, progress, signal: abortClients.signal })),
    );
    clients.catch(() => undefined); // awaited below; this only keeps an early failure from going unhandled
  };
  const cluster = await startLocalCluster({ configFile: values.config, output: 'silent', beforeSpawn: startClients }).catch(
    async (err: unknown) => {
      abortClients.abort();
      await localBroker?.stop();
      throw err;
    },
  );
  const forgetSupervisor = writeSupervisorPid(cluster.config);
  const dashboard = await startDashboard({ config: cluster.config, configFile: cluster.configFile }).catch(() => undefined);
  const stop = (): void =>
    void (async () => {
      abortClients.abort();
      await dashboard?.close();
      await cluster.stop();
      await localBroker?.stop();
      forgetSupervisor();
      process.exit(130);
    })();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    let upLine = '';
    const allUp = cluster.waitReady(30_000).then(() => {
      upLine =
        `cluster up (${cluster.nodes().length} nodes, logs in ${shortPath(logDir(cluster.config))}) in ${((Date.now() - started) / 1000).toFixed(1)} s\n` +
        (dashboard ? `dashboard: ${dashboard.url}\n` : '');
      // Not through a client's progress bar: with one on the terminal, the line waits for the end of the run.
      if (!progress) process.stdout.write(upLine);
    });
    allUp.catch(() => undefined);
    let summaries: ClientRun[];
    try {
      [summaries] = await Promise.all([clients!, allUp]);
    } catch (err) {
      // A cluster that never came up, or a client that failed: the other clients stop too.
      abortClients.abort();
      throw err;
    }
    if (progress) process.stdout.write(upLine);
    summaries.forEach((s, i) => printSummary(s, shortPath(outs[i])));
    process.stdout.write(reportPaths(outs, summaries));
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    await dashboard?.close();
    await cluster.stop();
    await localBroker?.stop();
    forgetSupervisor();
  }
  process.stdout.write(`done in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  return 0;
}
