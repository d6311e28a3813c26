import { parseFlags } from './flags.js';
import path from 'node:path';
import { startLocalCluster } from '../cluster/local-cluster.js';
import { ensureBroker } from '../cluster/ensure-broker.js';
import { loadClusterConfig } from '../../node/config/cluster.js';
import { prettyLines } from '../cluster/pretty-lines.js';
import { writeSupervisorPid } from '../cluster/supervisor.js';
import { startDashboard, type Dashboard } from '../../dashboard/server.js';
import { isCoffeeError } from '../../node/errors.js';

const READY_TIMEOUT_MS = 60_000;

const CLUSTER_USAGE =
  'usage: coffee-analysis cluster [--config FILE] [--json]   (default config/cluster.yaml; Ctrl-C stops it)\n' +
  '  log lines are pretty-printed on a terminal, JSON otherwise or with --json;\n' +
  '  the dashboard is served on ports.dashboard of the config (http://127.0.0.1:8090/ by default)';

/** `coffee-analysis cluster [--config FILE] [--json]`: the local cluster in the foreground until SIGINT/SIGTERM. */
export async function run(argv: string[]): Promise<number> {
  const { values } = parseFlags(
    'cluster',
    { args: argv, options: { config: { type: 'string' }, json: { type: 'boolean', default: false } } },
    CLUSTER_USAGE,
  );
  const pretty = process.stdout.isTTY === true && !values.json;
  const write = pretty
    ? prettyLines((text) => process.stdout.write(text), true)
    : (line: string): void => void process.stdout.write(`${line}\n`);
  const localBroker = await ensureBroker(loadClusterConfig(values.config ? path.resolve(values.config) : undefined), (line) =>
    process.stdout.write(`${line}\n`),
  );
  const cluster = await startLocalCluster({ configFile: values.config, output: 'prefix', write }).catch(async (err: unknown) => {
    await localBroker?.stop();
    throw err;
  });
  const forgetSupervisor = writeSupervisorPid(cluster.config);
  // The nodes are detached and unref'd: without this, nothing would keep this process alive.
  const keepAlive = setInterval(() => undefined, 1 << 30);
  let dashboard: Dashboard | undefined;
  let stopping: Promise<number> | undefined;
  const stop = (code: number): Promise<number> =>
    (stopping ??= (async () => {
      process.stderr.write('cluster: stopping…\n');
      await dashboard?.close();
      await cluster.stop();
      await localBroker?.stop();
      forgetSupervisor();
      clearInterval(keepAlive);
      process.stderr.write('cluster: stopped\n');
      return code;
    })());
  const signalled = new Promise<number>((resolve) => {
    process.once('SIGINT', () => resolve(stop(0)));
    process.once('SIGTERM', () => resolve(stop(0)));
  });
  try {
    dashboard = await startDashboard({ config: cluster.config, configFile: cluster.configFile });
  } catch (err) {
    // The cluster is worth running without its dashboard: say why there is none.
    process.stderr.write(`cluster: no dashboard: ${isCoffeeError(err) ? err.message : String(err)}\n`);
  }
  try {
    await Promise.race([cluster.waitReady(READY_TIMEOUT_MS), signalled]);
  } catch (err) {
    process.stderr.write(`coffee-analysis: ${(err as Error).message}\n`);
    return stop(1);
  }
  if (!stopping) {
    process.stdout.write(`cluster ready: gateways ${cluster.gateways().join(', ')} (Ctrl-C to stop)\n`);
    if (dashboard) process.stdout.write(`dashboard: ${dashboard.url}  (metrics: ${dashboard.url}metrics)\n`);
  }
  return signalled;
}
