import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import { parseFlags } from './flags.js';
import { NODE_KINDS, loadClusterConfig, type NodeKind } from '../../node/config/cluster.js';
import { UsageError } from '../../node/errors.js';
import { SECRET_ENV } from '../../node/heartbeat/auth.js';
import { SECRET_ENV_FILE, clusterConfigFor, composeFile, rabbitmqConf, type ComposeOptions } from '../cluster/compose-file.js';

const USAGE = `usage: coffee-analysis compose --out FILE [options]
Writes a docker compose file (format 2.4: docker-compose 1.29 and docker compose v2) that runs
the whole cluster from the image, plus cluster.yaml, cluster.env (the cluster secret, mode 0600,
kept when it exists) and rabbitmq.conf next to it.
  --out FILE              the compose file to write (its folder receives cluster.yaml)
  --network host          every service on the host's network (gateway i on 8080+2i, /ping on 8081+2i)
  --broker-url URL        use this RabbitMQ; the file starts no broker
  --brokers 1|3           RabbitMQ services to start (default 1); 3 form a cluster with quorum queues
  --broker-image IMAGE    default rabbitmq:3.10
  --clients K             client services (default 0: the cluster alone)
  --data DIR              a client's dataset folder; once for all clients or once per client
  --results DIR           client j writes its reports to DIR/client-j (default ./results)
  --replicas KIND=N       replicas of a node kind (repeatable; default: config/cluster.yaml's)
  --name NAME             cluster name: queue prefix, compose project and container prefix (default coffee)
  --image IMAGE           default coffee-analysis:latest
  --gateway-port P        ports.gateway (default 8080); --heartbeat-port P (7777); --election-port P (7800)
  --docker-gid G          group owning /var/run/docker.sock (default: read from the socket)
  --log-level LEVEL       default info
  --startup-grace MS      how long a (re)started container may take to heartbeat before the
                          Egg of Life restarts it again (default 120000; a container that exits
                          is restarted at once)
Run it: docker-compose -f FILE -p NAME up -d   (or: docker compose -f FILE -p NAME up -d)`;

function positiveInt(v: string, what: string, min = 1): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`compose: ${what} must be an integer >= ${min}`);
  return n;
}

/** `coffee-analysis compose --out FILE ...`: see USAGE. Synchronous work, behind the subcommands' async signature. */
export function run(argv: string[]): Promise<number> {
  return Promise.resolve(write(argv));
}

function write(argv: string[]): number {
  const { values } = parseFlags(
    'compose',
    {
      args: argv,
      options: {
        out: { type: 'string' },
        network: { type: 'string' },
        'broker-url': { type: 'string' },
        brokers: { type: 'string' },
        'broker-image': { type: 'string', default: 'rabbitmq:3.10' },
        clients: { type: 'string', default: '0' },
        data: { type: 'string', multiple: true },
        results: { type: 'string', default: 'results' },
        replicas: { type: 'string', multiple: true },
        name: { type: 'string' },
        image: { type: 'string', default: 'coffee-analysis:latest' },
        'gateway-port': { type: 'string' },
        'heartbeat-port': { type: 'string' },
        'election-port': { type: 'string' },
        'docker-gid': { type: 'string' },
        'log-level': { type: 'string', default: 'info' },
        'startup-grace': { type: 'string', default: '120000' },
      },
    },
    USAGE,
  );
  if (!values.out) throw new UsageError('compose: --out FILE is required');
  if (values.network !== undefined && values.network !== 'host') throw new UsageError("compose: --network takes only 'host'");
  if (values['broker-url'] !== undefined && values.brokers !== undefined)
    throw new UsageError('compose: --broker-url and --brokers exclude each other');
  const brokers = values.brokers ?? '1';
  if (brokers !== '1' && brokers !== '3') throw new UsageError('compose: --brokers must be 1 or 3');

  // Defaults: the repo's cluster config (replicas, ports), so a deployment matches `npm start`.
  const base = loadClusterConfig();
  const replicas = { ...base.replicas } as Record<NodeKind, number>;
  for (const r of values.replicas ?? []) {
    const m = /^([a-z0-9-]+)=(\d+)$/.exec(r);
    if (!m || !NODE_KINDS.includes(m[1] as NodeKind))
      throw new UsageError(`compose: --replicas takes KIND=N with KIND one of ${NODE_KINDS.join(', ')}`);
    replicas[m[1] as NodeKind] = positiveInt(m[2], `--replicas ${m[1]}`);
  }
  const k = positiveInt(values.clients, '--clients', 0);
  const data = (values.data ?? []).map((d) => path.resolve(d));
  if (k > 0 && data.length !== 1 && data.length !== k) throw new UsageError('compose: give --data once (all clients) or once per client');
  const name = values.name ?? base.name;
  if (!/^[a-z][a-z0-9-]{0,30}$/.test(name)) throw new UsageError('compose: --name must match [a-z][a-z0-9-]{0,30}');

  let dockerGid = values['docker-gid'] !== undefined ? positiveInt(values['docker-gid'], '--docker-gid', 0) : 0;
  if (values['docker-gid'] === undefined) {
    try {
      dockerGid = statSync('/var/run/docker.sock').gid;
    } catch {
      // No engine here: the file may be meant for another host; root's group is the safe guess.
    }
  }
  const results = path.resolve(values.results);
  const opts: ComposeOptions = {
    name,
    image: values.image,
    hostNetwork: values.network === 'host',
    broker:
      values['broker-url'] !== undefined
        ? { url: values['broker-url'] }
        : { nodes: brokers === '3' ? 3 : 1, image: values['broker-image'] },
    replicas,
    ports: {
      gateway: values['gateway-port'] ? positiveInt(values['gateway-port'], '--gateway-port') : base.ports.gateway,
      heartbeat: values['heartbeat-port'] ? positiveInt(values['heartbeat-port'], '--heartbeat-port') : base.ports.heartbeat,
      election: values['election-port'] ? positiveInt(values['election-port'], '--election-port') : base.ports.election,
    },
    clients: Array.from({ length: k }, (_, j) => data[data.length === 1 ? 0 : j]),
    results,
    clientUser: `${process.getuid?.() ?? 1000}:${process.getgid?.() ?? 1000}`,
    dockerGid,
    logLevel: values['log-level'],
    startupGraceMs: positiveInt(values['startup-grace'], '--startup-grace'),
  };

  const out = path.resolve(values.out);
  const dir = path.dirname(out);
  mkdirSync(dir, { recursive: true });
  // Created now, as the caller: left to Docker they would be root's.
  for (let j = 0; j < k; j++) mkdirSync(path.join(results, `client-${j}`), { recursive: true });
  writeFileSync(
    path.join(dir, 'cluster.yaml'),
    `# Generated by \`coffee-analysis compose\`; mounted into every node.\n${stringify(clusterConfigFor(opts), { version: '1.1' })}`,
  );
  writeSecretEnv(path.join(dir, SECRET_ENV_FILE));
  if ('nodes' in opts.broker) writeFileSync(path.join(dir, 'rabbitmq.conf'), rabbitmqConf(opts));
  writeFileSync(
    out,
    `# Generated by \`coffee-analysis compose\`. Run: docker-compose -f ${path.basename(out)} -p ${name} up -d\n${stringify(composeFile(opts), { version: '1.1' })}`,
  );
  process.stdout.write(`wrote ${out} and ${path.join(dir, 'cluster.yaml')}\n`);
  return 0;
}

/**
 * The cluster secret every node signs heartbeats and election messages with, as an env file
 * compose reads (the host file stays 0600). An existing file is kept: regenerating the compose
 * file of a running deployment must not split it into two secrets.
 */
function writeSecretEnv(file: string): void {
  if (existsSync(file) && new RegExp(`^${SECRET_ENV}=\\S{32,}$`, 'm').test(readFileSync(file, 'utf8'))) return;
  writeFileSync(
    file,
    `# Generated by \`coffee-analysis compose\`: the cluster secret (keep private).\n${SECRET_ENV}=${randomBytes(32).toString('hex')}\n`,
    {
      mode: 0o600,
    },
  );
  chmodSync(file, 0o600);
}
