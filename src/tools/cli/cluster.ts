import { parseFlags } from './flags.js';
import path from 'node:path';
import { startLocalCluster } from '../cluster/local-cluster.js';
import { ensureBroker } from '../cluster/ensure-broker.js';
import { loadClusterConfig } from '../../node/config/cluster.js';

const READY_TIMEOUT_MS = 60_000;

/** `coffee-analysis cluster [--config FILE]`: the local cluster in the foreground until SIGINT/SIGTERM. */
export async function run(argv: string[]): Promise<number> {
  const configFile = parseFlags(
    'cluster',
    { args: argv, options: { config: { type: 'string' } } },
    'usage: coffee-analysis cluster [--config FILE]   (default config/cluster.yaml; Ctrl-C stops it)',
  ).values.config;
  const localBroker = await ensureBroker(loadClusterConfig(configFile ? path.resolve(configFile) : undefined), (line) =>
    process.stdout.write(`${line}\n`),
  );
  const cluster = await startLocalCluster({ configFile, output: 'prefix' }).catch(async (err: unknown) => {
    await localBroker?.stop();
    throw err;
  });
  // The nodes are detached and unref'd: without this, nothing would keep this process alive.
  const keepAlive = setInterval(() => undefined, 1 << 30);
  let stopping: Promise<number> | undefined;
  const stop = (code: number): Promise<number> =>
    (stopping ??= (async () => {
      process.stderr.write('cluster: stopping…\n');
      await cluster.stop();
      await localBroker?.stop();
      clearInterval(keepAlive);
      process.stderr.write('cluster: stopped\n');
      return code;
    })());
  const signalled = new Promise<number>((resolve) => {
    process.once('SIGINT', () => resolve(stop(0)));
    process.once('SIGTERM', () => resolve(stop(0)));
  });
  try {
    await Promise.race([cluster.waitReady(READY_TIMEOUT_MS), signalled]);
  } catch (err) {
    process.stderr.write(`coffee-analysis: ${(err as Error).message}\n`);
    return stop(1);
  }
  if (!stopping) process.stdout.write(`cluster ready: gateways ${cluster.gateways().join(', ')} (Ctrl-C to stop)\n`);
  return signalled;
}
