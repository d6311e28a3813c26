import { parseFlags } from './flags.js';
import path from 'node:path';
import { DEFAULT_CLUSTER_CONFIG, loadClusterConfig, runDir, type ClusterConfig } from '../../node/config/cluster.js';
import { UsageError } from '../../node/errors.js';
import { liveNodes } from '../../node/processes.js';
import { appendEvent } from '../../node/cluster-events.js';
import { parseKinds, runChaos, seededRandom } from '../chaos/chaos.js';

function positive(value: string | undefined, flag: string, integer: boolean): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n)))
    throw new UsageError(`chaos: ${flag} must be a positive ${integer ? 'integer' : 'number'}`);
  return n;
}

const CHAOS_USAGE =
  'usage: coffee-analysis chaos [--interval S] [--kill N] [--only KINDS] [--except KINDS] [--duration S] [--seed N] [--config FILE]\n' +
  '  SIGKILLs N random nodes of the running local cluster every S seconds (default 1 and 1), until --duration or Ctrl-C;\n' +
  '  KINDS: comma-separated node kinds (gateway,controller,egg-of-life,tx-filter,...). Never touches RabbitMQ.';

/** `coffee-analysis chaos [--interval S] [--kill N] [--only KINDS] [--except KINDS] [--duration S] [--seed N] [--config FILE]` */
export async function run(argv: string[]): Promise<number> {
  const v = parseFlags(
    'chaos',
    {
      args: argv,
      options: {
        interval: { type: 'string' },
        kill: { type: 'string' },
        only: { type: 'string' },
        except: { type: 'string' },
        duration: { type: 'string' },
        seed: { type: 'string' },
        config: { type: 'string' },
      },
    },
    CHAOS_USAGE,
  ).values;
  const intervalS = positive(v.interval, '--interval', false) ?? 1;
  const kill = positive(v.kill, '--kill', true) ?? 1;
  const durationS = positive(v.duration, '--duration', false);
  const seed = v.seed === undefined ? undefined : Number(v.seed);
  if (seed !== undefined && !Number.isInteger(seed)) throw new UsageError('chaos: --seed must be an integer');
  const only = parseKinds(v.only, '--only');
  const except = parseKinds(v.except, '--except');
  const cluster = loadClusterConfig(path.resolve(v.config ?? DEFAULT_CLUSTER_CONFIG)) as ClusterConfig;
  if (liveNodes(cluster).length === 0)
    throw new UsageError(`chaos: no running cluster in run dir ${runDir(cluster)} (start one with \`npx coffee-analysis cluster\`)`);

  const abort = new AbortController();
  const stop = (): void => abort.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    const kills = await runChaos({
      cluster,
      intervalMs: intervalS * 1000,
      kill,
      only,
      except,
      durationMs: durationS === undefined ? undefined : durationS * 1000,
      signal: abort.signal,
      random: seed === undefined ? undefined : seededRandom(seed),
      onKill: (k) => {
        appendEvent(runDir(cluster), { type: 'kill', at: k.at, id: k.id, pid: k.pid, by: 'chaos' });
        process.stdout.write(`killed ${k.id} pid ${k.pid}\n`);
      },
    });
    process.stdout.write(`chaos: ${kills.length} node(s) killed\n`);
    return 0;
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}
