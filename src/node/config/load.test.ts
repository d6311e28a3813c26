import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { loadConfig, applyEnvOverrides } from './load.js';
import { componentConfigFile } from './paths.js';
import { ClusterConfigSchema, DEFAULT_CLUSTER_CONFIG, clusterEnv } from './cluster.js';
import { ConfigError } from '../errors.js';
import { GatewayConfigSchema, loadGatewayConfig, resolveGatewaySettings } from '../../gateway/config.js';
import { ControllerConfigSchema, loadControllerConfig } from '../../controller/config.js';
import { WorkerConfigSchema, loadWorkerConfig } from '../../workers/runtime/config.js';
import { EggConfigSchema, loadEggConfig } from '../../egg-of-life/config.js';

const Schema = z.object({
  a: z.object({ b: z.number().int().default(1), name: z.string().default('n') }).prefault({}),
  middleware: z.object({ address: z.string().default('amqp://default') }).prefault({}),
  log: z.object({ level: z.string().default('info') }).prefault({}),
  max_frame_bytes: z.number().default(10),
  flag: z.boolean().default(false),
});

function tempFile(t: { after: (fn: () => void) => void }, content: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'config-test-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'config.yaml');
  writeFileSync(file, content);
  return file;
}
const configError =
  (pattern: RegExp) =>
  (e: unknown): boolean =>
    e instanceof ConfigError && e.code === 'ERR_CONFIG' && pattern.test(e.message);

test('values come from the YAML file, missing keys from the defaults', (t) => {
  const file = tempFile(t, 'a:\n  b: 42\nlog:\n  level: debug\n');
  const c = loadConfig(Schema, file, {});
  assert.deepEqual(c, {
    a: { b: 42, name: 'n' },
    middleware: { address: 'amqp://default' },
    log: { level: 'debug' },
    max_frame_bytes: 10,
    flag: false,
  });
  // An empty file (YAML null) means "all defaults"; so does no file at all.
  assert.deepEqual(loadConfig(Schema, tempFile(t, ''), {}), Schema.parse({}));
  assert.deepEqual(loadConfig(Schema, undefined, {}), Schema.parse({}));
});

test('the result is deeply frozen', (t) => {
  const c = loadConfig(Schema, tempFile(t, 'a: {b: 2}\n'), {});
  assert.ok(Object.isFrozen(c) && Object.isFrozen(c.a));
  assert.throws(() => {
    (c.a as { b: number }).b = 3;
  }, TypeError);
});

test('COFFEE__A__B overrides a.b, parsed as a YAML scalar', (t) => {
  const file = tempFile(t, 'a:\n  b: 42\n');
  const c = loadConfig(Schema, file, {
    COFFEE__A__B: '8080',
    COFFEE__A__NAME: 'x y',
    COFFEE__FLAG: 'true',
    COFFEE__MAX_FRAME_BYTES: '2048',
  });
  assert.equal(c.a.b, 8080);
  assert.equal(typeof c.a.b, 'number');
  assert.equal(c.a.name, 'x y');
  assert.equal(c.flag, true);
  assert.equal(c.max_frame_bytes, 2048); // '_' inside a segment is kept, case is lowered
  // Unrelated and malformed names are ignored.
  const d = loadConfig(Schema, file, { COFFEEX__A__B: '1', OTHER: '1', COFFEE__A____B: '5' });
  assert.equal(d.a.b, 42);
});

test('AMQP_URL and LOG_LEVEL are cluster keys; COFFEE_CLUSTER__ wins over them; component keys stay out', (t) => {
  const file = tempFile(t, 'middleware:\n  address: amqp://file\nlog:\n  level: info\n');
  const c = loadConfig(ClusterConfigSchema, file, clusterEnv({ AMQP_URL: 'amqp://u:p@elsewhere:5673/', LOG_LEVEL: 'warn' }));
  assert.equal(c.middleware.address, 'amqp://u:p@elsewhere:5673/');
  assert.equal(c.log.level, 'warn');
  const d = loadConfig(
    ClusterConfigSchema,
    file,
    clusterEnv({ AMQP_URL: 'amqp://a/', COFFEE_CLUSTER__MIDDLEWARE__ADDRESS: 'amqp://b/', COFFEE__LOG__LEVEL: 'debug' }),
  );
  assert.equal(d.middleware.address, 'amqp://b/');
  assert.equal(d.log.level, 'info'); // COFFEE__ names a component key, not a cluster key
  // A component loader does not read the cluster variables.
  const e = loadConfig(Schema, file, { AMQP_URL: 'amqp://elsewhere/', LOG_LEVEL: 'warn' });
  assert.equal(e.middleware.address, 'amqp://file');
  assert.equal(e.log.level, 'info');
});

test('applyEnvOverrides does not mutate its input and creates missing levels', () => {
  const base = { a: { b: 1 } };
  const out = applyEnvOverrides(base, { COFFEE__X__Y__Z: '3', COFFEE__A__B: '2' });
  assert.deepEqual(base, { a: { b: 1 } });
  assert.deepEqual(out, { a: { b: 2 }, x: { y: { z: 3 } } });
});

test('an invalid value is a ConfigError naming the key path', (t) => {
  const file = tempFile(t, 'a:\n  b: 1\n');
  assert.throws(() => loadConfig(Schema, file, { COFFEE__A__B: 'abc' }), configError(/a\.b/));
  assert.throws(() => loadConfig(Schema, tempFile(t, 'a:\n  b: 1.5\n'), {}), configError(/a\.b/));
  assert.throws(() => loadConfig(Schema, tempFile(t, 'flag: 7\n'), {}), configError(/flag/));
  // The message names the file too.
  assert.throws(
    () => loadConfig(Schema, file, { COFFEE__A__B: 'abc' }),
    configError(new RegExp(file.replaceAll(/[.*+?^${}()|[\]\\/]/g, '\\$&'))),
  );
});

test('a missing file, invalid YAML, or a non-mapping document is a ConfigError', (t) => {
  assert.throws(() => loadConfig(Schema, '/nonexistent/dir/config.yaml', {}), configError(/does not exist/));
  assert.throws(() => loadConfig(Schema, tempFile(t, 'a: [1, 2\n'), {}), configError(/not valid YAML/));
  assert.throws(() => loadConfig(Schema, tempFile(t, '- 1\n- 2\n'), {}), configError(/mapping/));
  assert.throws(() => loadConfig(Schema, tempFile(t, '42\n'), {}), configError(/mapping/));
  assert.throws(() => loadConfig(Schema, tempFile(t, '"just a string"\n'), {}), configError(/mapping/));
});

test('every component config.yaml loads and equals its schema defaults', () => {
  // The shipped files document the defaults: they must not drift from the schemas.
  const gw = loadConfig(GatewayConfigSchema, componentConfigFile('gateway'), {});
  assert.deepEqual(gw, GatewayConfigSchema.parse({}));
  // The seed's keys are documented but unset: the cluster config is their one source.
  assert.equal(gw.port, undefined);
  assert.equal(gw.healthcheck.port, undefined);
  assert.deepEqual(gw.heartbeat, {});
  assert.deepEqual(gw.middleware, {});
  assert.deepEqual(gw.log, {});
  assert.equal(gw.max_frame_bytes, 8 * 1024 * 1024);

  const ctl = loadConfig(ControllerConfigSchema, componentConfigFile('controller'), {});
  assert.deepEqual(ctl, ControllerConfigSchema.parse({}));
  // Broker and log level are cluster keys only.
  assert.ok(!('middleware' in ctl) && !('log' in ctl));
  assert.equal(ctl.max.clients, 16);
  assert.equal(ctl.max.unacked_counters, 256);
  assert.equal(ctl.session.idle_timeout, 600_000);

  const wk = loadConfig(WorkerConfigSchema, componentConfigFile('workers'), {});
  assert.deepEqual(wk, WorkerConfigSchema.parse({}));
  assert.ok(!('middleware' in wk) && !('log' in wk));
  assert.equal(wk.stateless.prefetch, 8);
  assert.equal(wk.partitioned.prefetch, 256);
  assert.ok(wk.stateless.concurrency <= wk.stateless.prefetch);
  assert.ok(wk.partitioned.concurrency <= wk.partitioned.prefetch);

  const egg = loadConfig(EggConfigSchema, componentConfigFile('egg-of-life'), {});
  assert.deepEqual(egg, EggConfigSchema.parse({}));
  // Ports come from the cluster (ports.heartbeat + i, ports.election + i) unless overridden.
  assert.equal(egg.port, undefined);
  assert.equal(egg.leader_election.port, undefined);
  assert.ok(!('log' in egg));
  assert.ok(egg.timeout_interval > egg.check_interval);

  const cluster = loadConfig(ClusterConfigSchema, DEFAULT_CLUSTER_CONFIG, {});
  assert.deepEqual(cluster, ClusterConfigSchema.parse({}));
});

test("the components' own loaders read their files (overrides from the environment)", () => {
  // Only keys no test environment is expected to override are checked here.
  assert.equal(loadGatewayConfig({}).results_prefetch, 32);
  assert.equal(loadControllerConfig().max.unacked_counters, 256);
  assert.equal(loadWorkerConfig().storage.path, '');
  assert.equal(loadEggConfig({}).check_interval, 250);
  assert.equal(loadEggConfig({ COFFEE__PORT: '7779' }).port, 7779);
});

test('component schemas reject bad overrides with the key path', () => {
  assert.throws(
    () => loadConfig(GatewayConfigSchema, componentConfigFile('gateway'), { COFFEE__HEALTHCHECK__PORT: '70000' }),
    configError(/healthcheck\.port/),
  );
  assert.throws(
    () => loadConfig(ControllerConfigSchema, componentConfigFile('controller'), { COFFEE__MAX__CLIENTS: '0' }),
    configError(/max\.clients/),
  );
  // A cross-field rule of the Egg of Life config.
  assert.throws(
    () => loadConfig(EggConfigSchema, componentConfigFile('egg-of-life'), { COFFEE__TIMEOUT_INTERVAL: '100' }),
    configError(/timeout_interval must be greater than check_interval/),
  );
  // Override parsed as a number reaches a nested key of a real component.
  assert.equal(loadConfig(ControllerConfigSchema, componentConfigFile('controller'), { COFFEE__MAX__CLIENTS: '32' }).max.clients, 32);
});

test('gateway: cluster-wide settings come from the cluster; the seed keys override them for that gateway only', () => {
  const cluster = ClusterConfigSchema.parse({
    middleware: { address: 'amqp://cluster/' },
    ports: { gateway: 9000, heartbeat: 9100 },
    heartbeat: { host: '10.0.0.5', interval: 300 },
    replicas: { 'egg-of-life': 2 },
  });
  const plain = resolveGatewaySettings(GatewayConfigSchema.parse({}), cluster, 1);
  assert.deepEqual(plain, {
    port: 9002,
    bind: '127.0.0.1',
    healthcheckPort: 9003,
    brokerAddress: 'amqp://cluster/',
    logLevel: undefined,
    heartbeat: undefined,
  });

  const own = resolveGatewaySettings(
    GatewayConfigSchema.parse({
      port: 7000,
      healthcheck: { port: 7001 },
      heartbeat: { port: 7777 },
      middleware: { address: 'amqp://own/' },
      log: { level: 'debug' },
    }),
    cluster,
    1,
  );
  assert.equal(own.port, 7000);
  assert.equal(own.healthcheckPort, 7001);
  assert.equal(own.brokerAddress, 'amqp://own/');
  assert.equal(own.logLevel, 'debug');
  // A partial heartbeat override keeps the cluster's other heartbeat keys.
  assert.deepEqual(own.heartbeat, {
    targets: [
      { host: '10.0.0.5', port: 7777 },
      { host: '10.0.0.5', port: 7778 },
    ],
    intervalMs: 300,
  });
});
