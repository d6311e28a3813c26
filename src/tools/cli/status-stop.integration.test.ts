import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ClusterConfigSchema, pidDir } from '../../node/config/cluster.js';
import { CLI_BIN } from '../../node/config/paths.js';
import { findClusterProcesses } from '../../node/discover.js';
import { signal } from '../../node/processes.js';
import { deleteSharedQueues, writeIsolatedClusterConfig } from '../cluster/isolated.js';
import { eventually } from '../../testing/harness.js';
import { freePortBlock } from '../../testing/ports.js';

/**
 * `status` and `stop` as an operator uses them: a real cluster started by `coffee-analysis
 * cluster`, its supervisor SIGKILLed (the nodes keep running, as they should), pid files lost,
 * then `stop`: no node process is left, and a second `stop` says there is nothing to stop.
 */
const AMQP_URL = process.env.AMQP_URL ?? 'amqp://guest:guest@localhost:5672/';
const dir = mkdtempSync(path.join(os.tmpdir(), 'coffee-stop-'));
const configFile = path.join(dir, 'cluster.yaml');
const base = await freePortBlock(100);
const config = writeIsolatedClusterConfig(configFile, ClusterConfigSchema.parse({ middleware: { address: AMQP_URL } }), {
  name: `st${process.pid}`,
  runDir: path.join(dir, 'run'),
  ports: { gateway: base, heartbeat: base + 40, election: base + 60, dashboard: base + 80 },
});

after(async () => {
  spawnSync(process.execPath, [CLI_BIN, 'stop', '--config', configFile]);
  await deleteSharedQueues(config).catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
});

interface StatusJson {
  supervisor: number | null;
  leader: string | null;
  nodes: Array<{ id: string; state: string; pid: number | null }>;
}

function cli(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI_BIN, ...args, '--config', configFile], {
    encoding: 'utf8',
    env: { ...process.env, AMQP_URL },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function status(): StatusJson {
  const r = cli('status', '--json');
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as StatusJson;
}

test('status shows the cluster; after its supervisor is SIGKILLed, stop leaves no node process, even those whose pid files were lost', async () => {
  const supervisor = spawn(process.execPath, [CLI_BIN, 'cluster', '--config', configFile, '--json'], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, AMQP_URL },
  });
  await eventually(() => status().nodes.filter((n) => n.state === 'alive').length === 21, 90_000, 'every node alive');
  const s = status();
  assert.equal(s.supervisor, supervisor.pid);
  await eventually(() => status().leader !== null, 30_000, 'an Egg of Life leader');
  const human = cli('status');
  assert.match(human.stdout, /21\/21 nodes alive/);
  assert.match(human.stdout, /Egg of Life leader: egg-of-life-\d/);

  supervisor.kill('SIGKILL');
  await eventually(() => supervisor.exitCode !== null || supervisor.signalCode !== null, 10_000, 'the supervisor to die');
  assert.equal(status().supervisor, null);
  assert.equal(findClusterProcesses(configFile).length, 21, 'the nodes outlive their supervisor');
  // What a supervisor dying mid-stop leaves behind: processes without pid files.
  for (const id of ['egg-of-life-0', 'egg-of-life-2', 'gateway-1']) rmSync(path.join(pidDir(config), `${id}.pid`), { force: true });

  const stop = cli('stop');
  assert.equal(stop.code, 0, stop.stderr);
  assert.match(stop.stdout, /stopped 21 process\(es\)/);
  assert.deepEqual(findClusterProcesses(configFile), []);
  assert.ok(status().nodes.every((n) => n.pid === null));

  const again = cli('stop');
  assert.equal(again.code, 0);
  assert.match(again.stdout, /no cluster running/);
});

test("cluster's own SIGTERM stops every node, also those whose pid files are missing and an Egg of Life restarted meanwhile", async () => {
  const supervisor = spawn(process.execPath, [CLI_BIN, 'cluster', '--config', configFile, '--json'], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, AMQP_URL },
  });
  let stderr = '';
  supervisor.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  await eventually(() => status().nodes.filter((n) => n.state === 'alive').length === 21, 90_000, 'every node alive').catch(
    (err: unknown) => {
      throw new Error(`${String(err)}; cluster said: ${stderr}; status: ${cli('status').stdout}`);
    },
  );
  // As after a chaos run: restarted Egg of Life replicas without pid files, one node just killed.
  for (const id of ['egg-of-life-0', 'egg-of-life-1']) rmSync(path.join(pidDir(config), `${id}.pid`), { force: true });
  const victim = status().nodes.find((n) => n.id === 'q2-agg-0')?.pid;
  if (victim) signal(victim, 'SIGKILL');
  supervisor.kill('SIGTERM');
  await eventually(() => supervisor.exitCode !== null, 60_000, 'the supervisor to stop');
  assert.equal(supervisor.exitCode, 0);
  assert.deepEqual(findClusterProcesses(configFile), []);
});
