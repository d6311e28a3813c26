import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse, stringify } from 'yaml';
import { ClusterConfigSchema } from '../../node/config/cluster.js';
import { eggTargets } from '../../node/heartbeat/targets.js';
import { clusterConfigFor, composeFile, rabbitmqConf, type ComposeOptions } from './compose-file.js';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../../node/config/paths.js';
import { BULK_NODE_KINDS, BULK_NODE_V8_FLAGS, CLIENT_V8_FLAGS } from '../../node/v8-flags.js';

const replicas = ClusterConfigSchema.parse({}).replicas;

function options(over: Partial<ComposeOptions> = {}): ComposeOptions {
  return {
    name: 'coffee',
    image: 'coffee-analysis:latest',
    hostNetwork: true,
    broker: { url: 'amqp://guest:guest@127.0.0.1:5672/' },
    replicas: { ...replicas },
    ports: { gateway: 8080, heartbeat: 7777, election: 7800 },
    clients: ['/data/a', '/data/b'],
    results: '/out',
    clientUser: '1000:1000',
    dockerGid: 999,
    logLevel: 'info',
    startupGraceMs: 60000,
    ...over,
  };
}

interface Svc {
  image: string;
  container_name: string;
  command: string[];
  entrypoint?: string[];
  environment?: Record<string, string>;
  volumes: string[];
  env_file?: string[];
  network_mode?: string;
  ports?: string[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
  group_add?: number[];
  restart: string;
}
interface File {
  version: string;
  services: Record<string, Svc>;
  volumes: Record<string, unknown>;
}

/** Round-trips through YAML, as docker-compose reads it. */
const render = (o: ComposeOptions): File => parse(stringify(composeFile(o), { version: '1.1' }), { version: '1.1' }) as File;

test('compose: every node is a service named by kind and index, format 2.4, state on a named volume per node', () => {
  const f = render(options());
  assert.equal(f.version, '2.4');
  const total = Object.values(replicas).reduce((a, b) => a + b, 0);
  const nodes = Object.keys(f.services).filter((s) => !s.startsWith('client-'));
  assert.equal(nodes.length, total);
  for (const [kind, n] of Object.entries(replicas)) {
    for (let i = 0; i < n; i++) {
      const s = f.services[`${kind}-${i}`];
      assert.ok(s, `${kind}-${i}`);
      assert.deepEqual(s.command, ['node', kind, '--index', String(i)]);
      assert.equal(s.container_name, `coffee-${kind}-${i}`);
      assert.ok(s.volumes.includes(`${kind}-${i}-state:/app/.run`));
      assert.ok(`${kind}-${i}-state` in f.volumes);
      assert.equal(s.network_mode, 'host');
      assert.equal(s.environment?.AMQP_URL, 'amqp://guest:guest@127.0.0.1:5672/');
      assert.equal(s.restart, 'no');
      // One secret for all (heartbeats are signed): a node generating its own is never heard.
      assert.deepEqual(s.env_file, ['./cluster.env']);
    }
  }
  // --broker-url: no broker service.
  assert.ok(!Object.keys(f.services).some((s) => s.startsWith('rabbitmq')));
});

test('compose: gateway i serves /ping on 8081+2i; clients wait for healthy gateways and reach them on 8080+2i', () => {
  const f = render(options());
  for (let i = 0; i < replicas.gateway; i++) {
    const g = f.services[`gateway-${i}`];
    assert.equal(g.environment?.HEALTH_PORT, String(8081 + 2 * i));
    assert.equal(g.healthcheck?.test[0], 'CMD');
  }
  for (const c of ['client-0', 'client-1']) {
    const s = f.services[c];
    const deps = s.depends_on ?? {};
    assert.equal(Object.keys(deps).length, replicas.gateway);
    for (const d of Object.values(deps)) assert.equal(d.condition, 'service_healthy');
    const gw = s.command[s.command.indexOf('--gateways') + 1];
    assert.equal(gw, Array.from({ length: replicas.gateway }, (_, i) => `127.0.0.1:${8080 + 2 * i}`).join(','));
  }
  assert.ok(f.services['client-0'].volumes.includes('/data/a:/data:ro'));
  assert.ok(f.services['client-1'].volumes.includes('/out/client-1:/results'));
});

test('compose: the Egg of Life gets the Docker socket and its group; the cluster config selects the Docker runner', () => {
  const f = render(options());
  const egg = f.services['egg-of-life-0'];
  assert.ok(egg.volumes.includes('/var/run/docker.sock:/var/run/docker.sock'));
  assert.deepEqual(egg.group_add, [999]);
  assert.ok(!f.services['gateway-0'].volumes.includes('/var/run/docker.sock:/var/run/docker.sock'));
  const cluster = ClusterConfigSchema.parse(parse(stringify(clusterConfigFor(options()))));
  assert.equal(cluster.restart.runner, 'docker');
  assert.equal(cluster.restart.container_prefix, 'coffee-');
  assert.equal(cluster.ports.gateway, 8080);
});

test('compose: --clients 0 deploys the cluster alone', () => {
  const f = render(options({ clients: [] }));
  assert.ok(!Object.keys(f.services).some((s) => s.startsWith('client-')));
});

test('compose: --brokers 3 starts a RabbitMQ cluster, quorum queues, three URLs; nodes wait for healthy brokers', () => {
  const o = options({ broker: { nodes: 3, image: 'rabbitmq:3.10' }, hostNetwork: false });
  const f = render(o);
  const urls = ['rabbitmq-0', 'rabbitmq-1', 'rabbitmq-2'].map((h) => `amqp://guest:guest@${h}:5672/`).join(',');
  for (let i = 0; i < 3; i++) {
    const r = f.services[`rabbitmq-${i}`];
    assert.equal(r.image, 'rabbitmq:3.10');
    assert.ok(r.volumes.includes(`rabbitmq-${i}-data:/var/lib/rabbitmq`));
  }
  const w = f.services['tx-filter-0'];
  assert.equal(w.environment?.AMQP_URL, urls);
  assert.equal(w.environment?.COFFEE__MIDDLEWARE__QUEUE_TYPE, 'quorum');
  assert.deepEqual(Object.keys(w.depends_on ?? {}).sort(), ['rabbitmq-0', 'rabbitmq-1', 'rabbitmq-2']);
  assert.match(rabbitmqConf(o), /cluster_formation\.classic_config\.nodes\.3 = rabbit@rabbitmq-2/);
  // Bridge network: ports published, heartbeats to each Egg of Life service.
  assert.deepEqual(f.services['gateway-1'].ports, ['8082:8082', '8083:8083']);
  const cluster = ClusterConfigSchema.parse(clusterConfigFor(o));
  assert.deepEqual(
    eggTargets(cluster).map((t) => `${t.host}:${t.port}`),
    ['egg-of-life-0:7777', 'egg-of-life-1:7778', 'egg-of-life-2:7779'],
  );
});

test('compose: --brokers 3 with host networking gives each broker its own ports', () => {
  const f = render(options({ broker: { nodes: 3, image: 'rabbitmq:3.10' } }));
  assert.equal(f.services['rabbitmq-2'].environment?.RABBITMQ_NODE_PORT, '5674');
  assert.equal(
    f.services['gateway-0'].environment?.AMQP_URL,
    'amqp://guest:guest@127.0.0.1:5672/,amqp://guest:guest@127.0.0.1:5673/,amqp://guest:guest@127.0.0.1:5674/',
  );
});

test("compose: the bulk nodes (gateways, filters) and the clients get the image's ENTRYPOINT with their V8 flags; the others keep it", () => {
  const dockerfile = readFileSync(path.join(REPO_ROOT, 'Dockerfile'), 'utf8');
  const line = dockerfile.split('\n').find((l) => l.startsWith('ENTRYPOINT '));
  assert.ok(line !== undefined, 'an ENTRYPOINT line');
  const [node, ...script] = JSON.parse(line.slice('ENTRYPOINT '.length)) as string[];
  assert.deepEqual([node, ...script], ['node', 'bin/coffee-analysis.js']);
  const f = render(options());
  for (const [name, svc] of Object.entries(f.services)) {
    const kind = name.replace(/-\d+$/, '');
    if ((BULK_NODE_KINDS as readonly string[]).includes(kind))
      assert.deepEqual(svc.entrypoint, [node, ...BULK_NODE_V8_FLAGS, ...script], name);
    else if (kind === 'client') assert.deepEqual(svc.entrypoint, [node, ...CLIENT_V8_FLAGS, ...script], name);
    else assert.equal(svc.entrypoint, undefined, name);
  }
  assert.ok(
    Object.keys(f.services).some((n) => n.startsWith('client-')),
    'a client service',
  );
  assert.ok(Object.keys(f.services).filter((n) => /^(gateway|tx-filter|item-filter)-/.test(n)).length >= 6);
});
