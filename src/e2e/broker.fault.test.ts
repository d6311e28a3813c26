import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { runClient } from '../client/client.js';
import type { ClientEvent } from '../client/options.js';
import { runChaos, type ChaosKill } from '../tools/chaos/chaos.js';
import { NODE_KINDS } from '../node/config/cluster.js';
import { startLocalBroker, type LocalBroker } from '../tools/cluster/private-broker.js';
import {
  startTestCluster,
  dataset,
  assertMatchesReference,
  eventually,
  tempDir,
  runClientsAtOnce,
  type TestCluster,
} from '../testing/harness.js';
import { startRabbitCluster, canRunRabbitCluster, type RabbitCluster } from '../testing/rabbit-cluster.js';

/**
 * Broker faults for real (issue 8 item 5): a 3-node RabbitMQ cluster (scripts/rabbit-cluster.sh)
 * with quorum queues losing a node mid-run, a single-node broker stopped and started mid-run,
 * and the three-client chaos run on quorum queues. Every run ends byte-identical to the reference.
 * Own folders and ports (derived from the pid), never the machine's broker on 5672.
 */
const skip = await canRunRabbitCluster();
// Cluster boots take minutes on a loaded 2-core machine: generous, but bounded.
const BOOT_MS = 8 * 60_000;
const RUN_MS = 6 * 60_000;

describe('quorum queues on a 3-node RabbitMQ cluster', { skip, timeout: BOOT_MS + 4 * RUN_MS }, () => {
  let rmq: RabbitCluster;
  let tc: TestCluster;
  before(async () => {
    // AMQP base 5800..5979 (distribution +20000): away from 5672/25672 and from the 5701 default.
    const base = 5800 + (process.pid % 60) * 3;
    rmq = await startRabbitCluster({ dir: `/tmp/coffee-fault-rmq-${process.pid}`, basePort: base, prefix: `cf${process.pid}n` });
    tc = await startTestCluster({ amqpUrl: rmq.address, queueType: 'quorum' });
  });
  after(async () => {
    await tc?.stop();
    await rmq?.stop();
  });

  test('the broker node every node is connected to is SIGKILLed mid-run: exact reports; time lost measured', async () => {
    const data = await dataset({ scale: 0.01, seed: 31, hardCases: true });
    // Baseline on the same cluster and data, then the same run with node 1 killed.
    const t0 = Date.now();
    await runClient({ data, out: tempDir('coffee-out-'), gateways: tc.cluster.gateways(), progress: false, maxBatchBytes: 64 * 1024 });
    const baseMs = Date.now() - t0;
    const out = tempDir('coffee-out-');
    let kill: Promise<number> | undefined;
    // Every node lists node 1 first, so node 1 holds every gateway's connection (and every other node's).
    const onEvent = (e: ClientEvent): void => {
      if (e.type === 'batch-acked' && e.acked === 15 && !kill) kill = rmq.kill(1);
    };
    const t1 = Date.now();
    await runClient({ data, out, gateways: tc.cluster.gateways(), progress: false, onEvent, retryForMs: RUN_MS, maxBatchBytes: 64 * 1024 });
    const killedMs = Date.now() - t1;
    assert.ok(kill, 'the kill of node 1 was started during the run');
    const killedAt = await kill;
    // The SIGKILL itself (not only its start) happened while the client was still running.
    assert.ok(killedAt < t1 + killedMs, `node 1 was SIGKILLed ${killedAt - t1} ms into a run of ${killedMs} ms: after its end`);
    await assertMatchesReference(data, out);
    process.stdout.write(
      `# broker node loss: run ${killedMs} ms with node 1 SIGKILLed ${killedAt - t1} ms into it vs ${baseMs} ms undisturbed (quorum queues)\n`,
    );
    await rmq.startNode(1);
  });

  test('three clients while chaos SIGKILLs a random node every second, on quorum queues: exact reports', async () => {
    const datas = await Promise.all([21, 22, 23].map((seed) => dataset({ scale: 0.01, seed, hardCases: true })));
    const abort = new AbortController();
    const kills: ChaosKill[] = [];
    const kindsCycle = [...NODE_KINDS];
    let round = 0;
    const chaos = runChaos({
      cluster: tc.cluster.config,
      intervalMs: 1000,
      kill: 1,
      signal: abort.signal,
      onKill: (k) => kills.push(k),
      listNodes: () => tc.cluster.nodes().filter((n) => n.kind === kindsCycle[round++ % kindsCycle.length]),
    });
    try {
      await runClientsAtOnce(tc, datas);
    } finally {
      abort.abort();
      await chaos;
    }
    process.stdout.write(`# chaos on quorum queues: ${kills.length} kills survived\n`);
    assert.ok(kills.length > 0);
  });
});

describe('a single-node broker stopped and started again mid-run', { skip, timeout: 3 * BOOT_MS + 2 * RUN_MS }, () => {
  let broker: LocalBroker;
  const port = 5990 + (process.pid % 9);
  const runDir = tempDir('coffee-fault-broker-');
  before(async () => {
    // Classic durable queues, persistent messages: one private node of its own (private-broker.ts).
    broker = await startLocalBroker({
      runDir,
      port,
      timeoutMs: BOOT_MS,
      probes: { rabbitmqServer: () => '/usr/lib/rabbitmq/bin/rabbitmq-server', dockerAnswers: () => false },
    });
  });
  after(async () => {
    await broker?.stop();
    rmSync(runDir, { recursive: true, force: true });
  });

  test('clients and nodes wait and reconnect: the run completes exactly once the broker is back', async () => {
    const tc = await startTestCluster({ amqpUrl: broker.url, patienceMs: BOOT_MS });
    try {
      const data = await dataset({ scale: 0.01, seed: 32, hardCases: true });
      const out = tempDir('coffee-out-');
      let outage: Promise<number> | undefined;
      let stoppedAt = Infinity;
      const onEvent = (e: ClientEvent): void => {
        if (e.type === 'batch-acked' && e.acked === 15 && !outage)
          outage = (async () => {
            const t = Date.now();
            await broker.pause!();
            stoppedAt = Date.now();
            await broker.resume!();
            return Date.now() - t;
          })();
      };
      await runClient({
        data,
        out,
        gateways: tc.cluster.gateways(),
        progress: false,
        onEvent,
        retryForMs: BOOT_MS,
        maxBatchBytes: 64 * 1024,
      });
      const endedAt = Date.now();
      assert.ok(outage, 'the broker stop was started during the run');
      assert.ok(stoppedAt < endedAt, 'the broker was down before the run ended');
      process.stdout.write(`# single broker down and back for ${await outage} ms mid-run: reports exact\n`);
      await assertMatchesReference(data, out);
    } finally {
      await tc.stop();
    }
  });

  test('a broker gone for longer than middleware.patience: nodes fail with a clear error, the client fails too (bounded)', async () => {
    const tc = await startTestCluster({ amqpUrl: broker.url, patienceMs: 3000 });
    try {
      const data = await dataset({ scale: 0.01, seed: 33, hardCases: true });
      let paused: Promise<void> | undefined;
      const onEvent = (e: ClientEvent): void => {
        if (e.type === 'batch-acked' && e.acked === 10 && !paused) paused = broker.pause!();
      };
      const t = Date.now();
      await assert.rejects(
        runClient({
          data,
          out: tempDir('coffee-out-'),
          gateways: tc.cluster.gateways(),
          progress: false,
          onEvent,
          retryForMs: 10_000,
          maxBatchBytes: 64 * 1024,
        }),
      );
      process.stdout.write(`# patience 3000 ms: the client gave up ${Date.now() - t} ms after its start\n`);
      await paused;
      const logs = path.join(tc.dir, 'run', 'logs');
      await eventually(
        () => readdirSync(logs).some((f) => readFileSync(path.join(logs, f), 'utf8').includes('(middleware.patience)')),
        30_000,
        'a node log saying the broker did not answer within middleware.patience',
      );
    } finally {
      await broker.resume!();
      await tc.stop();
    }
  });
});
