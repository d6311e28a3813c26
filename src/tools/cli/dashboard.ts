import path from 'node:path';
import { parseFlags } from './flags.js';
import { UsageError } from '../../node/errors.js';
import { DEFAULT_CLUSTER_CONFIG, loadClusterConfig, type ClusterConfig } from '../../node/config/cluster.js';
import { startDashboard } from '../../dashboard/server.js';

const DASHBOARD_USAGE =
  'usage: coffee-analysis dashboard [--config FILE] [--port N]\n' +
  '  serves the dashboard of a cluster started elsewhere (`cluster` and `npm start` serve their own) until Ctrl-C';

/** `coffee-analysis dashboard [--config FILE] [--port N]`: the dashboard alone, e.g. for the benchmark's cluster. */
export async function run(argv: string[]): Promise<number> {
  const { values } = parseFlags(
    'dashboard',
    { args: argv, options: { config: { type: 'string' }, port: { type: 'string' } } },
    DASHBOARD_USAGE,
  );
  const configFile = path.resolve(values.config ?? DEFAULT_CLUSTER_CONFIG);
  const config = loadClusterConfig(configFile) as ClusterConfig;
  const port = values.port === undefined ? undefined : Number(values.port);
  if (port !== undefined && (!Number.isInteger(port) || port < 1 || port > 65535))
    throw new UsageError('dashboard: --port must be a port number');
  const dashboard = await startDashboard({ config, configFile, port });
  process.stdout.write(`dashboard: ${dashboard.url}  (metrics: ${dashboard.url}metrics; Ctrl-C to stop)\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await dashboard.close();
  return 0;
}
