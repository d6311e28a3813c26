import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/**
 * Starts a real node process (the runtime only, no component main) on a cluster config and
 * returns what its NodeContext holds. A child process, because startNode owns process-wide
 * things (pid file, signal handlers) a test runner must not get.
 */
function contextOf(clusterFile: string, env: Record<string, string>): { address: string; level: string; interval: number } {
  const runtime = new URL('./runtime.js', import.meta.url).href;
  const script = `
    const { startNode } = await import(${JSON.stringify(runtime)});
    const ctx = startNode({ kind: 'controller', index: 0, heartbeat: false });
    process.stdout.write(JSON.stringify({ address: ctx.cluster.middleware.address, level: ctx.log.level, interval: ctx.cluster.heartbeat.interval }));
    process.exit(0);`;
  const clean: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env))
    if (v !== undefined && k !== 'AMQP_URL' && k !== 'LOG_LEVEL' && !k.startsWith('COFFEE')) clean[k] = v;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
    env: { ...clean, COFFEE_CLUSTER_CONFIG: clusterFile, ...env },
    encoding: 'utf8',
  });
  return JSON.parse(out) as { address: string; level: string; interval: number };
}

test("runtime: a cluster config's broker address and log level reach every node's context; AMQP_URL and LOG_LEVEL override them", (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'runtime-test-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'cluster.yaml');
  writeFileSync(
    file,
    `name: rt\nrun_dir: ${JSON.stringify(path.join(dir, 'run'))}\nmiddleware:\n  address: "amqp://from-file:5673/"\n` +
      `log:\n  level: warn\nheartbeat:\n  interval: 300\n`,
  );
  assert.deepEqual(contextOf(file, {}), { address: 'amqp://from-file:5673/', level: 'warn', interval: 300 });
  // A component key of the same name is no cluster key: it changes nothing here.
  assert.deepEqual(contextOf(file, { COFFEE__MIDDLEWARE__ADDRESS: 'amqp://component/', COFFEE__LOG__LEVEL: 'debug' }), {
    address: 'amqp://from-file:5673/',
    level: 'warn',
    interval: 300,
  });
  assert.deepEqual(contextOf(file, { AMQP_URL: 'amqp://from-env/', LOG_LEVEL: 'error', COFFEE_CLUSTER__HEARTBEAT__INTERVAL: '150' }), {
    address: 'amqp://from-env/',
    level: 'error',
    interval: 150,
  });
});
