import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync, execFile } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT, CLI_BIN } from '../node/config/paths.js';
import { ClusterConfigSchema } from '../node/config/cluster.js';
import { deleteSharedQueues } from '../tools/cluster/isolated.js';
import { AMQP_URL, assertMatchesReference, dataset, eventually, tempDir } from '../testing/harness.js';
import { freePortBlock } from '../testing/ports.js';

/**
 * The deployment as users run it, for real: the image built from the repo's Dockerfile, a compose
 * file from `coffee-analysis compose` (host networking: dockerd runs with --bridge=none here; the
 * machine's own RabbitMQ through --broker-url), two clients as compose services that wait for
 * healthy gateways, and the Egg of Life restarting killed containers through the Docker socket.
 */
const run = promisify(execFile);
const IMAGE = process.env.COFFEE_IMAGE ?? 'coffee-analysis:latest';

/** Installs and starts what Docker needs; the reason to skip when Docker cannot run here at all. */
function dockerSkipReason(): string | undefined {
  if (process.platform !== 'linux') return `Docker e2e needs Linux (this is ${process.platform})`;
  const root = process.getuid?.() === 0;
  const answers = spawnSync('docker', ['info'], { stdio: 'ignore', timeout: 30_000 }).status === 0;
  if (!root && !answers) return 'no Docker engine answers and this user cannot install or start one (not root)';
  if (root && spawnSync('sh', ['-c', 'command -v debootstrap'], { stdio: 'ignore' }).status !== 0) {
    // make-base-image.sh needs it where no registry answers; installed up front, as the issue asks.
    spawnSync('sh', ['-c', 'apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q debootstrap'], { stdio: 'ignore' });
  }
  const started = spawnSync(path.join(REPO_ROOT, 'docker', 'start-dockerd.sh'), { encoding: 'utf8', timeout: 600_000 });
  if (started.status !== 0)
    return `Docker cannot run here: docker/start-dockerd.sh failed: ${(started.stderr || started.stdout).trim().split('\n').pop()}`;
  return undefined;
}

const skip = dockerSkipReason();
if (skip) process.stdout.write(`# docker e2e skipped: ${skip}\n`);

async function sh(cmd: string, args: string[], timeoutMs = 600_000): Promise<string> {
  const { stdout } = await run(cmd, args, { cwd: REPO_ROOT, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 });
  return stdout;
}

interface ContainerState {
  Status: string;
  Running: boolean;
  StartedAt: string;
  ExitCode: number;
}
async function state(container: string): Promise<ContainerState> {
  return JSON.parse(await sh('docker', ['inspect', '-f', '{{json .State}}', container])) as ContainerState;
}

/** When (epoch ms) an Egg of Life logged node `id`'s first heartbeat after a restart begun after `after`. */
async function firstHeartbeatAfter(id: string, after: number, eggs: number): Promise<number | undefined> {
  const prefix = `${id} heartbeats again `;
  let first: number | undefined;
  for (let i = 0; i < eggs; i++) {
    const container = `${currentName}-egg-of-life-${i}`;
    const { stdout } = await run('docker', ['logs', container], { maxBuffer: 64 * 1024 * 1024 }).catch(() => ({ stdout: '' }));
    for (const line of stdout.split('\n')) {
      if (!line.includes(prefix)) continue;
      try {
        const rec = JSON.parse(line) as { time?: string; msg?: string };
        const t = rec.time ? Date.parse(rec.time) : NaN;
        if (rec.msg?.startsWith(prefix) && t >= after && (first === undefined || t < first)) first = t;
      } catch {
        // not a log record (a partial line): skip
      }
    }
  }
  return first;
}

/** The running test's compose project name (containers are `<name>-<service>`). */
let currentName = '';

test(
  'docker: compose deployment, two clients, a worker and a gateway container killed and a worker paused mid-run, restarted by the Egg of Life: exact reports',
  { skip, timeout: 45 * 60_000 },
  async () => {
    // The image: cached by Docker after the first build, so this costs seconds when sources did not change.
    const t0 = Date.now();
    await sh('npm', ['run', 'docker:build'], 30 * 60_000);
    process.stdout.write(`# image ${IMAGE} built/checked in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);

    const datas = await Promise.all([31, 32].map((seed) => dataset({ scale: 0.02, seed, hardCases: true })));
    const dir = tempDir('coffee-docker-');
    const results = path.join(dir, 'results');
    const file = path.join(dir, 'docker-compose.yaml');
    // Unique name (queue prefix, project, containers) and ports, as the local test clusters do.
    const name = `dk${process.pid % 100000}`;
    currentName = name;
    const base = await freePortBlock(100);
    const replicas = {
      'egg-of-life': 2,
      controller: 1,
      gateway: 2,
      'tx-filter': 1,
      'item-filter': 1,
      'q1-sort': 1,
      'q2-agg': 1,
      'q3-agg': 1,
      'q4-count': 1,
      'q4-top': 1,
    };
    await sh(process.execPath, [
      CLI_BIN,
      'compose',
      '--out',
      file,
      '--network',
      'host',
      '--broker-url',
      AMQP_URL.replace('localhost', '127.0.0.1'),
      '--name',
      name,
      '--image',
      IMAGE,
      '--gateway-port',
      String(base),
      '--heartbeat-port',
      String(base + 40),
      '--election-port',
      String(base + 60),
      '--clients',
      '2',
      '--data',
      datas[0],
      '--data',
      datas[1],
      '--results',
      results,
      ...Object.entries(replicas).flatMap(([k, n]) => ['--replicas', `${k}=${n}`]),
    ]);
    const compose = (...args: string[]): Promise<string> => sh('docker-compose', ['-f', file, '-p', name, ...args], 20 * 60_000);
    // Compose v2 where this machine has it (Debian 12 ships only 1.29): it must accept the same file.
    if (spawnSync('docker', ['compose', 'version'], { stdio: 'ignore' }).status === 0)
      await sh('docker', ['compose', '-f', file, '-p', name, 'config', '-q']);
    await compose('config', '-q');
    const c = (id: string): string => `${name}-${id}`;
    try {
      // Blocks until the gateways are healthy and the clients are created and started.
      const tUp = Date.now();
      await compose('up', '-d');
      process.stdout.write(`# compose up (gateways healthy, clients started) in ${((Date.now() - tUp) / 1000).toFixed(1)} s\n`);

      // Mid-run: both clients still running when the faults land (else they proved nothing).
      // Two containers killed, one frozen: a paused container sends no heartbeat, counts as dead
      // and must be unpaused, killed and started again (Docker itself would never restart it).
      const killed = [c('tx-filter-0'), c('gateway-0')];
      const paused = c('q2-agg-0');
      const victims = [...killed, paused];
      const before = new Map<string, string>();
      for (const v of victims) before.set(v, (await state(v)).StartedAt);
      for (const client of ['client-0', 'client-1'])
        assert.equal((await state(c(client))).Running, true, `${client} finished before the faults`);
      const faultAt = new Map<string, number>();
      for (const v of killed) {
        await sh('docker', ['kill', v]);
        faultAt.set(v, Date.now());
      }
      await sh('docker', ['pause', paused]);
      faultAt.set(paused, Date.now());
      // Restarted by the Egg of Life (nothing else restarts them: restart policy "no"): running
      // again with a new start time (a paused one too: unpaused alone it would keep its start time).
      for (const v of victims) {
        await eventually(
          async () => {
            const s = await state(v);
            return s.Running && s.Status === 'running' && s.StartedAt !== before.get(v);
          },
          10 * 60_000,
          `${v} restarted by the Egg of Life`,
        );
        process.stdout.write(
          `# ${v}: ${v === paused ? 'pause' : 'kill'} -> running ${((Date.now() - faultAt.get(v)!) / 1000).toFixed(1)} s\n`,
        );
      }
      // Heartbeating again: the Egg of Life logs each restarted node's first heartbeat.
      for (const v of victims) {
        const id = v.slice(name.length + 1);
        let at: number | undefined;
        await eventually(
          async () => {
            at = await firstHeartbeatAfter(id, faultAt.get(v)!, replicas['egg-of-life']);
            return at !== undefined;
          },
          10 * 60_000,
          `${id} heartbeating again after its restart`,
        );
        process.stdout.write(
          `# ${v}: ${v === paused ? 'pause' : 'kill'} -> heartbeating again ${((at! - faultAt.get(v)!) / 1000).toFixed(1)} s\n`,
        );
      }

      // Both clients finish on their own, successfully, with exact reports.
      for (const [j, data] of datas.entries()) {
        const client = c(`client-${j}`);
        const code = (await sh('docker', ['wait', client], 20 * 60_000)).trim();
        if (code !== '0') {
          const logs = await run('docker', ['logs', '--tail', '20', client]).catch(() => ({ stdout: '', stderr: '' }));
          assert.fail(`${client} exited ${code}: ${logs.stdout}${logs.stderr}`);
        }
        await assertMatchesReference(data, path.join(results, `client-${j}`));
      }
    } catch (err) {
      // What the containers said, for whoever reads the failure.
      const ps = await sh('docker', ['ps', '-a', '--filter', `name=${name}-`, '--format', '{{.Names}} {{.Status}}']).catch(() => '');
      process.stdout.write(`# containers:\n${ps.replace(/^/gm, '#   ')}\n`);
      for (const id of ['egg-of-life-0', 'egg-of-life-1', 'client-0', 'client-1']) {
        const logs = await run('docker', ['logs', '--tail', '15', c(id)]).catch(() => ({ stdout: '', stderr: '' }));
        process.stdout.write(`# ${id}:\n${(logs.stdout + logs.stderr).replace(/^/gm, '#   ')}\n`);
      }
      throw err;
    } finally {
      // The Egg of Life first: it would restart the containers `down` stops.
      await sh('docker', ['kill', c('egg-of-life-0'), c('egg-of-life-1')]).catch(() => undefined);
      await compose('down', '-v', '--timeout', '5').catch((err: unknown) => process.stderr.write(`compose down failed: ${String(err)}\n`));
      await deleteSharedQueues(ClusterConfigSchema.parse({ name, middleware: { address: AMQP_URL } })).catch(() => undefined);
      if (existsSync(dir)) rmSync(dir, { recursive: true, force: true });
    }
  },
);
