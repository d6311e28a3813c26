import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import { run as start } from '../cli/start.js';
import { ClusterConfigSchema } from '../../node/config/cluster.js';
import { writeIsolatedClusterConfig } from './isolated.js';
import { portAnswers } from './private-broker.js';
import { dataset, assertMatchesReference, tempDir } from '../../testing/harness.js';
import { canRunRabbitCluster } from '../../testing/rabbit-cluster.js';
import { freePortBlock } from '../../testing/ports.js';

/**
 * `npm start` on a machine whose broker is not running (issue 8 item 7, first path): the
 * configured address is the local default on a port where nothing listens, rabbitmq-server is
 * installed, so `start` runs a private node under the run dir, the run is exact, and the node is
 * gone after the cluster stops.
 */
test(
  'npm start with nothing at the local default address starts a private broker, runs exactly, stops it',
  { skip: await canRunRabbitCluster(), timeout: 12 * 60_000 },
  async (t) => {
    const dir = tempDir('coffee-start-');
    t.after(() => {
      if (!process.env.KEEP_TEST_DIRS) rmSync(dir, { recursive: true, force: true });
    });
    const port = 5960 + (process.pid % 9) * 3;
    assert.equal(await portAnswers(port), false, `port ${port} must be free for this test`);
    // Not across the private node's Erlang distribution port (AMQP port + 20000), which it opens later.
    let base = await freePortBlock(100);
    if (base <= port + 20_000 && port + 20_000 < base + 100) base = await freePortBlock(100, process.pid, { from: port + 20_001 });
    const configFile = path.join(dir, 'cluster.yaml');
    writeIsolatedClusterConfig(
      configFile,
      ClusterConfigSchema.parse({ middleware: { address: `amqp://guest:guest@localhost:${port}/` } }),
      {
        name: `s${process.pid}`,
        runDir: path.join(dir, 'run'),
        ports: { gateway: base, heartbeat: base + 40, election: base + 60, dashboard: base + 80 },
      },
    );
    const data = await dataset({ scale: 0.002, seed: 41, hardCases: true });
    const out = path.join(dir, 'out');
    // AMQP_URL would override the file's address for the nodes: this run must use the file's.
    const saved = process.env.AMQP_URL;
    delete process.env.AMQP_URL;
    try {
      assert.equal(await start(['--data', data, '--out', out, '--config', configFile]), 0);
    } finally {
      if (saved !== undefined) process.env.AMQP_URL = saved;
    }
    await assertMatchesReference(data, out);
    assert.equal(await portAnswers(port), false, 'the private broker is stopped with the cluster');
    assert.equal(existsSync(path.join(dir, 'run', 'broker')), false, 'its data is removed');
  },
);
