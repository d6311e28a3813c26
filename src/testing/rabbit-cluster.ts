import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import path from 'node:path';
import { REPO_ROOT } from '../node/config/paths.js';

const run = promisify(execFile);
const SCRIPT = path.join(REPO_ROOT, 'scripts', 'rabbit-cluster.sh');

/** A 3-node RabbitMQ cluster beside the machine's broker (scripts/rabbit-cluster.sh), for fault tests. */
export interface RabbitCluster {
  /** amqp URLs of nodes 1..3. */
  urls: string[];
  /** The comma-separated address of all three (AMQP_URL / middleware.address). */
  address: string;
  /** SIGKILLs a node's beam; resolves with the epoch ms the signal was sent, once the process is gone. */
  kill(node: 1 | 2 | 3): Promise<number>;
  startNode(node: 1 | 2 | 3): Promise<void>;
  stop(): Promise<void>;
}

/** Starts a cluster in its own folder and ports (base port P: AMQP on P..P+2, distribution on P+20000..). */
export async function startRabbitCluster(opts: { dir: string; basePort: number; prefix: string }): Promise<RabbitCluster> {
  const args = ['--dir', opts.dir];
  const script = (...a: string[]): Promise<{ stdout: string }> => run(SCRIPT, [...a, ...args], { maxBuffer: 1 << 20 });
  // A leftover of an interrupted run in the same folder would make `start` refuse other ports.
  await script('stop').catch(() => undefined);
  await run(SCRIPT, ['start', ...args, '--base-port', String(opts.basePort), '--prefix', opts.prefix], { maxBuffer: 1 << 20 });
  const urls = [0, 1, 2].map((i) => `amqp://guest:guest@127.0.0.1:${opts.basePort + i}/`);
  return {
    urls,
    address: urls.join(','),
    kill: async (n) => {
      const { stdout } = await script('kill', String(n));
      const at = /at_ms=(\d+)/.exec(stdout);
      if (!at) throw new Error(`rabbit-cluster.sh kill ${n} printed no at_ms: ${stdout}`);
      return Number(at[1]);
    },
    startNode: async (n) => void (await script('start-node', String(n))),
    stop: async () => void (await script('stop')),
  };
}

/** Whether this machine can run the clusters: root and Debian's rabbitmq-server. */
export async function canRunRabbitCluster(): Promise<string | undefined> {
  if (process.getuid?.() !== 0) return 'needs root (nodes run as the rabbitmq user)';
  try {
    await run('test', ['-x', '/usr/lib/rabbitmq/bin/rabbitmq-server']);
    return undefined;
  } catch {
    return 'rabbitmq-server (Debian package) is not installed';
  }
}
