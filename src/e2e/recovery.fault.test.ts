import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { runClient } from '../client/client.js';
import type { ClientEvent } from '../client/options.js';
import { runChaos, type ChaosKill } from '../tools/chaos/chaos.js';
import { signal, isNodeProcess } from '../node/processes.js';
import { NODE_KINDS } from '../node/config/cluster.js';
import {
  startTestCluster,
  dataset,
  assertMatchesReference,
  leftoverSessionFiles,
  resultsQueueExists,
  eventually,
  tempDir,
  runClientsAtOnce,
  type TestCluster,
} from '../testing/harness.js';

/**
 * Crash recovery against real processes and the real broker: SIGKILL of any node at any time,
 * gateway failover, a whole-cluster crash, duplicated messages. Every run ends with reports
 * byte-identical to the single-process reference.
 */
let tc: TestCluster;
before(async () => {
  tc = await startTestCluster();
});
after(async () => {
  await tc?.stop();
});

test('three clients, different datasets, while chaos SIGKILLs a random node (any kind) every second: exact reports', async () => {
  const datas = await Promise.all([21, 22, 23].map((seed) => dataset({ scale: 0.01, seed, hardCases: true })));
  const abort = new AbortController();
  const kills: ChaosKill[] = [];
  // Rounds rotate over the node kinds (random node of the kind) so that every kind is hit.
  const kindsCycle = [...NODE_KINDS];
  let round = 0;
  const listNodes = (): ReturnType<typeof tc.cluster.nodes> => {
    const kind = kindsCycle[round++ % kindsCycle.length];
    return tc.cluster.nodes().filter((n) => n.kind === kind);
  };
  const killedKinds = (): Set<string> => new Set(kills.map((k) => k.id.replace(/-\d+$/, '')));
  const chaos = runChaos({
    cluster: tc.cluster.config,
    intervalMs: 1000,
    kill: 1,
    signal: abort.signal,
    onKill: (k) => kills.push(k),
    listNodes,
  });
  let waves = 0;
  try {
    // Waves of three concurrent clients, until chaos has hit every node kind during a run.
    while (waves < 8 && (waves === 0 || killedKinds().size < NODE_KINDS.length)) {
      waves++;
      const summaries = await runClientsAtOnce(tc, datas);
      assert.equal(new Set(summaries.map((s) => s.session)).size, 3);
    }
  } finally {
    abort.abort();
    await chaos;
  }
  process.stdout.write(
    `# chaos: ${kills.length} kills survived in ${waves} waves of 3 clients (${[...killedKinds()].sort().join(', ')})\n`,
  );
  assert.equal(killedKinds().size, NODE_KINDS.length, 'every node kind was killed at least once during a run');
  // Every killed node is back (the Egg of Life restarted it) before the next test.
  await eventually(() => tc.cluster.nodes().length === 21, 30_000, 'every node to be running again');
});

test('a gateway SIGKILLed mid-upload: the client resumes on the other gateway and its reports are exact', async () => {
  const data = await dataset({ scale: 0.01, seed: 24, hardCases: true });
  const out = tempDir('coffee-out-');
  let killed = '';
  const onEvent = (e: ClientEvent): void => {
    if (e.type === 'connected' && !killed) killed = e.address;
    if (e.type === 'batch-acked' && e.acked === 15) {
      const node = tc.cluster.nodes().find((n) => n.id === tc.gatewayNodeOf(killed));
      assert.ok(node, 'the serving gateway is running');
      signal(node.pid, 'SIGKILL');
    }
  };
  const summary = await runClient({ data, out, gateways: tc.cluster.gateways(), progress: false, onEvent, maxBatchBytes: 64 * 1024 });
  assert.ok(summary.reconnects >= 1, 'the client had to resume its session elsewhere');
  await assertMatchesReference(data, out);
});

test('a gateway stopped with SIGTERM mid-upload drains and exits cleanly; the client resumes elsewhere, reports exact', async () => {
  const data = await dataset({ scale: 0.01, seed: 27, hardCases: true });
  const out = tempDir('coffee-out-');
  let serving = '';
  let stopped: { pid: number; id: string } | undefined;
  const onEvent = (e: ClientEvent): void => {
    if (e.type === 'connected' && !serving) serving = e.address;
    if (e.type === 'batch-acked' && e.acked === 15 && !stopped) {
      const node = tc.cluster.nodes().find((n) => n.id === tc.gatewayNodeOf(serving));
      assert.ok(node, 'the serving gateway is running');
      stopped = { pid: node.pid, id: node.id };
      signal(node.pid, 'SIGTERM');
    }
  };
  const summary = await runClient({ data, out, gateways: tc.cluster.gateways(), progress: false, onEvent, maxBatchBytes: 64 * 1024 });
  assert.ok(stopped, 'the gateway was stopped during the upload');
  assert.ok(summary.reconnects >= 1, 'the client resumed on another gateway');
  await assertMatchesReference(data, out);
  // It exited by itself (graceful shutdown), and the Egg of Life brought the gateway back.
  await eventually(() => !isNodeProcess(stopped!.pid, stopped!.id), 10_000, 'the stopped gateway to exit');
  await eventually(
    () => tc.cluster.nodes().some((n) => n.id === stopped!.id && n.pid !== stopped!.pid),
    30_000,
    'the gateway to be running again',
  );
});

test('every batch published twice changes no report', async () => {
  const data = await dataset({ scale: 0.002, seed: 25, hardCases: true });
  const out = tempDir('coffee-out-');
  await runClient({ data, out, gateways: tc.cluster.gateways(), progress: false, sendEachBatchTwice: true, maxBatchBytes: 64 * 1024 });
  await assertMatchesReference(data, out);
});

test('the whole cluster SIGKILLed mid-run and started again: the session completes with exact reports', async () => {
  const data = await dataset({ scale: 0.01, seed: 26, hardCases: true });
  const out = tempDir('coffee-out-');
  let crash: Promise<void> | undefined;
  const onEvent = (e: ClientEvent): void => {
    if (e.type === 'batch-acked' && e.acked === 20) crash = tc.crashAndRestart();
  };
  const summary = await runClient({
    data,
    out,
    gateways: tc.cluster.gateways(),
    progress: false,
    onEvent,
    retryForMs: 120_000,
    maxBatchBytes: 64 * 1024,
  });
  assert.ok(crash, 'the crash happened during the run');
  await crash;
  assert.ok(summary.reconnects >= 1);
  await assertMatchesReference(data, out);
  await assertNoSessionStateLeft(summary.session);
});

test("a gateway SIGKILLed right after the client's DONE, before it told the controller: the client resumes and says DONE again; nothing of the session is left", async () => {
  const data = await dataset({ scale: 0.002, seed: 28, hardCases: true });
  const out = tempDir('coffee-out-');
  let killed: string | undefined;
  const onEvent = (e: ClientEvent): void => {
    if (e.type !== 'reports-written' || killed) return;
    const node = tc.cluster.nodes().find((n) => n.id === tc.gatewayNodeOf(e.address));
    assert.ok(node, 'the serving gateway is running');
    killed = node.id;
    // Synchronous: the gateway is gone before the client's DONE is written to its socket.
    signal(node.pid, 'SIGKILL');
  };
  const summary = await runClient({ data, out, gateways: tc.cluster.gateways(), progress: false, onEvent, maxBatchBytes: 64 * 1024 });
  assert.ok(killed, 'the gateway was killed when the reports were written');
  assert.equal(summary.reconnects, 1, 'the client resumed to say DONE again');
  await assertMatchesReference(data, out);
  await assertNoSessionStateLeft(summary.session);
});

/** Every node's files of `session` deleted and its results queue gone (waits for the clean-up). */
async function assertNoSessionStateLeft(session: string): Promise<void> {
  const mine = (): string[] => leftoverSessionFiles(tc).filter((f) => f.includes(session));
  await eventually(
    async () => mine().length === 0 && !(await resultsQueueExists(tc, session)),
    20_000,
    () => {
      const files = mine();
      return `no state of session ${session} left (files left: ${files.length > 0 ? files.join(', ') : 'none'}; else its results queue)`;
    },
  );
}
