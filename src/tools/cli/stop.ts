import path from 'node:path';
import { parseFlags } from './flags.js';
import { DEFAULT_CLUSTER_CONFIG, loadClusterConfig, runDir, type ClusterConfig } from '../../node/config/cluster.js';
import { signal } from '../../node/processes.js';
import { clusterTargets, stopClusterProcesses } from '../cluster/stop-all.js';
import { liveSupervisor } from '../cluster/supervisor.js';

const STOP_USAGE =
  'usage: coffee-analysis stop [--config FILE]\n' +
  '  stops every process of the local cluster (its supervisor too, if it still runs): the Egg of Life first,\n' +
  '  so nothing is restarted behind it; then every node, gracefully. Finds nodes whose pid file was lost. Idempotent.';

/** `coffee-analysis stop [--config FILE]` */
export async function run(argv: string[]): Promise<number> {
  const { values } = parseFlags('stop', { args: argv, options: { config: { type: 'string' } } }, STOP_USAGE);
  const configFile = path.resolve(values.config ?? DEFAULT_CLUSTER_CONFIG);
  const config = loadClusterConfig(configFile) as ClusterConfig;
  const supervisor = liveSupervisor(config);
  if (supervisor === undefined && clusterTargets(config, configFile).size === 0) {
    process.stdout.write(`no cluster running with run dir ${runDir(config)}\n`);
    return 0;
  }
  // A supervisor still running stops the cluster too when signalled; we do the same meanwhile.
  if (supervisor !== undefined) {
    signal(supervisor, 'SIGTERM');
    process.stdout.write(`signalled the supervisor (pid ${supervisor})\n`);
  }
  const started = Date.now();
  const n = await stopClusterProcesses(config, configFile);
  const left = clusterTargets(config, configFile);
  if (left.size > 0) {
    process.stderr.write(
      `coffee-analysis: stop: ${left.size} process(es) still running: ${[...left].map(([pid, id]) => `${id} (pid ${pid})`).join(', ')}\n`,
    );
    return 1;
  }
  process.stdout.write(`stopped ${n} process(es) in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  return 0;
}
