import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { CoffeeError, ErrorCode } from '../../node/errors.js';
import { waitFor } from '../../node/processes.js';

/**
 * A broker for `npm start` / `cluster` on a machine whose RabbitMQ is not running, so the two
 * commands work there too (issue 8 item 7). Tried in order:
 *   1. `rabbitmq-server` installed: a private node of that installation under the run dir (own
 *      node name, AMQP port, distribution port, data, logs, cookie), stopped with the cluster —
 *      the approach of scripts/rabbit-cluster.sh, one node, no clustering;
 *   2. Docker answers (`docker info`): a `rabbitmq:3.10` container on the host network for the
 *      cluster's lifetime;
 *   3. else: the exact commands that get one (Debian/Ubuntu, macOS, Docker), as the error.
 * Only for the local default address (localhost / 127.0.0.1, any port): a remote broker that
 * does not answer is the user's to fix, not ours to replace.
 */

/** Where Debian's package keeps the real scripts (/usr/sbin's wrapper redirects logs and drops env). */
export const RABBITMQ_BIN = '/usr/lib/rabbitmq/bin';

export interface LocalBroker {
  /** How it was obtained: 'private' node, or 'docker' container. */
  kind: 'private' | 'docker';
  /** The AMQP URL it answers on. */
  url: string;
  /** What to tell the user (one line). */
  description: string;
  /** Stops it and removes its data. */
  stop(): Promise<void>;
  /** Private node only: a clean broker shutdown that keeps its data (durable queues, persistent messages)... */
  pause?: () => Promise<void>;
  /** ...and the same node started again on that data; resolves once it answers. */
  resume?: () => Promise<void>;
}

/** A local-default-looking address: one amqp URL on localhost/127.0.0.1 (any port), guest user. */
export function isLocalDefaultAddress(address: string): { port: number } | undefined {
  if (address.includes(',')) return undefined;
  let u: URL;
  try {
    u = new URL(address.trim());
  } catch {
    return undefined;
  }
  if (u.protocol !== 'amqp:' || !['localhost', '127.0.0.1'].includes(u.hostname)) return undefined;
  if ((u.username || 'guest') !== 'guest' || (u.password || 'guest') !== 'guest') return undefined;
  const vhost = decodeURIComponent(u.pathname.split('/')[1] || '/');
  if (vhost !== '/') return undefined;
  return { port: Number(u.port || 5672) };
}

export type BrokerPlan = { kind: 'private'; server: string } | { kind: 'docker'; args: string[] } | { kind: 'none'; help: string };

export interface PlanProbes {
  /** Path of an installed rabbitmq-server, or undefined. */
  rabbitmqServer(): string | undefined;
  /** Whether `docker info` succeeds. */
  dockerAnswers(): boolean;
}

export const systemProbes: PlanProbes = {
  rabbitmqServer: () => {
    const p = process.env.COFFEE_RABBITMQ_SERVER ?? path.join(RABBITMQ_BIN, 'rabbitmq-server');
    return existsSync(p) ? p : undefined;
  },
  dockerAnswers: () => {
    const r = spawnSync('docker', ['info', '--format', '{{.ServerVersion}}'], { stdio: 'ignore', timeout: 10_000 });
    return r.status === 0;
  },
};

/** The `docker run` arguments of the broker container for a port (host network: no bridge needed). */
export function dockerRunArgs(port: number): string[] {
  return [
    'run',
    '--detach',
    '--rm',
    '--name',
    dockerName(port),
    '--network',
    'host',
    '--env',
    `RABBITMQ_NODE_PORT=${port}`,
    // The distribution port defaults to AMQP + 20000; keep it beside ours, on loopback only.
    '--env',
    `RABBITMQ_DIST_PORT=${port + 20000}`,
    '--env',
    'RABBITMQ_NODENAME=rabbit@localhost',
    'rabbitmq:3.10',
  ];
}

function dockerName(port: number): string {
  return `coffee-rabbitmq-${port}`;
}

/** What a machine without a broker should run, as one message (issue 8: exact commands). */
export function installHelp(port: number): string {
  return [
    `nothing answers at amqp://localhost:${port}/ and neither rabbitmq-server nor Docker is available here. Get a broker with one of:`,
    `  Debian/Ubuntu:  sudo apt-get install -y rabbitmq-server && sudo systemctl start rabbitmq-server`,
    `  macOS:          brew install rabbitmq && brew services start rabbitmq`,
    `  Docker:         docker run -d --name rabbitmq -p ${port}:5672 rabbitmq:3.10`,
    `then run the command again (or set AMQP_URL to a running broker).`,
  ].join('\n');
}

export function planLocalBroker(port: number, probes: PlanProbes = systemProbes): BrokerPlan {
  const server = probes.rabbitmqServer();
  if (server) return { kind: 'private', server };
  if (probes.dockerAnswers()) return { kind: 'docker', args: dockerRunArgs(port) };
  return { kind: 'none', help: installHelp(port) };
}

export class NoLocalBrokerError extends CoffeeError {
  constructor(message: string) {
    super(ErrorCode.BROKER_UNREACHABLE, message);
  }
}

/** Starts a broker for `port` by the first plan this machine allows; resolves once it answers AMQP. */
export async function startLocalBroker(opts: {
  runDir: string;
  port: number;
  timeoutMs?: number;
  probes?: PlanProbes;
}): Promise<LocalBroker> {
  const plan = planLocalBroker(opts.port, opts.probes);
  const timeoutMs = opts.timeoutMs ?? 180_000;
  switch (plan.kind) {
    case 'private':
      return startPrivateNode(plan.server, path.join(opts.runDir, 'broker'), opts.port, timeoutMs);
    case 'docker':
      return startDockerBroker(plan.args, opts.port, timeoutMs);
    case 'none':
      throw new NoLocalBrokerError(plan.help);
  }
}

/** Does something accept TCP connections on 127.0.0.1:port? */
export function portAnswers(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ port, host });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

/**
 * AMQP is up once the server answers the protocol header with its connection.start: a bare TCP
 * accept is not enough (the listener opens before the broker is ready for clients).
 */
function amqpAnswers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ port, host: '127.0.0.1' });
    const done = (ok: boolean): void => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(2000, () => done(false));
    s.once('connect', () => s.write(Buffer.from('AMQP\x00\x00\x09\x01', 'latin1')));
    s.once('data', (d) => done(d.length > 0 && d[0] === 1));
    s.once('error', () => done(false));
  });
}

async function startPrivateNode(server: string, dir: string, port: number, timeoutMs: number): Promise<LocalBroker> {
  if (port + 20000 > 65535)
    throw new NoLocalBrokerError(`cannot run a private broker on port ${port}: its distribution port would be ${port + 20000}`);
  const nodeName = `coffee-${port}-${randomBytes(3).toString('hex')}@localhost`;
  rmSync(dir, { recursive: true, force: true });
  const home = path.join(dir, 'home');
  for (const d of [home, path.join(dir, 'mnesia'), path.join(dir, 'log')]) mkdirSync(d, { recursive: true });
  // Own cookie: a lone node talks to no other, and the machine's cookie may not be readable.
  writeFileSync(path.join(home, '.erlang.cookie'), randomBytes(16).toString('hex').toUpperCase());
  chmodSync(path.join(home, '.erlang.cookie'), 0o400);
  writeFileSync(path.join(dir, 'enabled_plugins'), '[].\n');
  // Our own env file, not /etc/rabbitmq's (it names the machine's node): loopback only.
  writeFileSync(
    path.join(dir, 'rabbitmq-env.conf'),
    'ERL_EPMD_ADDRESS=127.0.0.1\nexport ERL_FLAGS="-kernel inet_dist_use_interface {127,0,0,1}"\n',
  );
  writeFileSync(path.join(dir, 'rabbitmq.conf'), `listeners.tcp.local = 127.0.0.1:${port}\nlog.file.level = info\nlog.console = false\n`);
  const pidFile = path.join(dir, 'rabbit.pid');
  const env: Record<string, string> = {
    PATH: '/usr/sbin:/usr/bin:/sbin:/bin',
    LANG: 'C.UTF-8',
    LC_ALL: 'C.UTF-8',
    HOME: home,
    RABBITMQ_CONF_ENV_FILE: path.join(dir, 'rabbitmq-env.conf'),
    RABBITMQ_NODENAME: nodeName,
    RABBITMQ_USE_LONGNAME: 'false',
    RABBITMQ_NODE_IP_ADDRESS: '127.0.0.1',
    RABBITMQ_NODE_PORT: String(port),
    RABBITMQ_DIST_PORT: String(port + 20000),
    RABBITMQ_CONFIG_FILE: path.join(dir, 'rabbitmq.conf'),
    RABBITMQ_ENABLED_PLUGINS_FILE: path.join(dir, 'enabled_plugins'),
    RABBITMQ_MNESIA_BASE: path.join(dir, 'mnesia'),
    RABBITMQ_LOG_BASE: path.join(dir, 'log'),
    RABBITMQ_PID_FILE: pidFile,
  };
  // As the calling user (root included): the node's files are all under `dir`, so no other
  // user needs to reach into the run dir (a 0700 temp dir would stop the `rabbitmq` user).
  const envArgs = Object.entries(env).map(([k, v]) => `${k}=${v}`);
  const out = path.join(dir, 'log', 'startup.log');
  let child: ReturnType<typeof spawn> | undefined;
  const launch = (): void => {
    const fd = openSync(out, 'a');
    // Detached, own session: a Ctrl-C of the caller reaches the cluster's stop, not the broker.
    child = spawn('env', ['-i', ...envArgs, server], { cwd: dir, detached: true, stdio: ['ignore', fd, fd] });
    child.unref();
    closeSync(fd);
  };
  const beam = (): number | undefined => {
    try {
      const pid = Number(readFileSync(pidFile, 'utf8').trim());
      return pid > 0 && isAlive(pid) ? pid : undefined;
    } catch {
      return undefined;
    }
  };
  const halt = async (): Promise<void> => {
    const pid = beam();
    // SIGTERM is a clean shutdown for RabbitMQ >= 3.8; the wrapper exits with the beam.
    if (pid !== undefined) {
      process.kill(pid, 'SIGTERM');
      if (!(await waitFor(() => !isAlive(pid), 30_000, 100))) process.kill(pid, 'SIGKILL');
      await waitFor(() => !isAlive(pid), 10_000, 100);
    } else if (child?.pid !== undefined && isAlive(child.pid)) {
      process.kill(-child.pid, 'SIGKILL');
    }
    rmSync(pidFile, { force: true });
  };
  const stop = async (): Promise<void> => {
    await halt();
    rmSync(dir, { recursive: true, force: true });
  };
  launch();
  if (!(await waitFor(() => amqpAnswers(port), timeoutMs, 250))) {
    await stop().catch(() => undefined);
    throw new NoLocalBrokerError(`the private RabbitMQ node did not answer on port ${port} within ${timeoutMs} ms (log: ${out})`);
  }
  return {
    kind: 'private',
    url: `amqp://guest:guest@127.0.0.1:${port}/`,
    description: `started a private RabbitMQ node ${nodeName} on 127.0.0.1:${port} (data in ${dir}; stopped with the cluster)`,
    stop,
    pause: halt,
    resume: async () => {
      launch();
      if (!(await waitFor(() => amqpAnswers(port), timeoutMs, 250)))
        throw new NoLocalBrokerError(`the private RabbitMQ node did not come back on port ${port} within ${timeoutMs} ms (log: ${out})`);
    },
  };
}

async function startDockerBroker(args: string[], port: number, timeoutMs: number): Promise<LocalBroker> {
  const name = dockerName(port);
  spawnSync('docker', ['rm', '--force', name], { stdio: 'ignore' });
  const r = spawnSync('docker', args, { encoding: 'utf8' });
  if (r.status !== 0) throw new NoLocalBrokerError(`docker ${args.join(' ')} failed: ${(r.stderr || '').trim()}\n${installHelp(port)}`);
  const stop = async (): Promise<void> => {
    spawnSync('docker', ['stop', '--time', '20', name], { stdio: 'ignore' });
    await Promise.resolve();
  };
  if (!(await waitFor(() => amqpAnswers(port), timeoutMs, 500))) {
    await stop();
    throw new NoLocalBrokerError(`the RabbitMQ container ${name} did not answer on port ${port} within ${timeoutMs} ms`);
  }
  return {
    kind: 'docker',
    url: `amqp://guest:guest@127.0.0.1:${port}/`,
    description: `started RabbitMQ container ${name} (rabbitmq:3.10, host network, port ${port}; stopped with the cluster)`,
    stop,
  };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
