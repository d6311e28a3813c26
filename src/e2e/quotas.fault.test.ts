import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { runClient } from '../client/client.js';
import { isCoffeeError } from '../node/errors.js';
import {
  startTestCluster,
  dataset,
  assertMatchesReference,
  leftoverSessionFiles,
  eventually,
  tempDir,
  type TestCluster,
} from '../testing/harness.js';

/**
 * Per-session quotas (issue 9 #6) on a real cluster, with small quotas set the way an operator
 * would (COFFEE__QUOTAS__* in every node's environment). Measured on the generated datasets
 * (hard cases): scale 0.001 has 510 users and ~760 (store, user) pairs per q4-count partition,
 * scale 0.01 has 5 010 users and ~7 100 pairs per partition, scale 0.05 has 25 010 users.
 */
const Q4_PAIRS = 3000; // workers: the 0.01 dataset goes over it at q4-count, the 0.001 one does not
const REFERENCE_ROWS = 10_000; // gateway: rows per reference table; only the 0.05 dataset's users go over it

let tc: TestCluster;
before(async () => {
  tc = await startTestCluster({
    env: { COFFEE__QUOTAS__Q4_PAIRS: String(Q4_PAIRS), COFFEE__QUOTAS__REFERENCE_ROWS: String(REFERENCE_ROWS) },
  });
});
after(async () => {
  await tc?.stop();
});

/** Every node's pid by id: a restarted node shows as a changed pid. */
function pids(): Map<string, number> {
  return new Map(tc.cluster.nodes().map((n) => [n.id, n.pid]));
}

/** Runs a client expected to fail; returns its error's code and message. */
async function failingRun(data: string): Promise<{ code: string; message: string }> {
  try {
    await runClient({ data, out: tempDir('coffee-out-'), gateways: tc.cluster.gateways(), progress: false, maxBatchBytes: 128 * 1024 });
  } catch (err) {
    assert.ok(isCoffeeError(err), `expected a CoffeeError, got ${String(err)}`);
    return { code: err.code, message: err.message };
  }
  assert.fail('the run over quota succeeded');
}

test('clients over a gateway quota and over a worker quota get ERR_QUOTA naming it; an honest client alongside is exact; no node restarts; no state left', async () => {
  const [honest, overWorker, overGateway] = await Promise.all([
    dataset({ scale: 0.001, seed: 61 }),
    dataset({ scale: 0.01, seed: 62 }),
    dataset({ scale: 0.05, seed: 63 }),
  ]);
  const before = pids();
  const honestOut = tempDir('coffee-out-');
  const [worker, gateway] = await Promise.all([
    failingRun(overWorker),
    failingRun(overGateway),
    runClient({ data: honest, out: honestOut, gateways: tc.cluster.gateways(), progress: false, maxBatchBytes: 128 * 1024 }),
  ]);

  // Over the workers' quota: q4-count gave the session up and its controller failed it.
  assert.equal(worker.code, 'ERR_QUOTA');
  assert.match(worker.message, /q4-count-\d: the session went over a per-session quota/);
  assert.match(worker.message, new RegExp(`more than ${Q4_PAIRS} \\(store, user\\) pairs`));
  assert.match(worker.message, /workers config quotas\.q4_pairs/);
  // Over the gateway's quota: refused before the batch reached a queue.
  assert.equal(gateway.code, 'ERR_QUOTA');
  assert.match(
    gateway.message,
    new RegExp(`users batch \\d+ takes the session over the quota of ${REFERENCE_ROWS} rows per reference table`),
  );
  assert.match(gateway.message, /gateway config quotas\.reference_rows/);

  await assertMatchesReference(honest, honestOut);
  assert.deepEqual(pids(), before, 'no node was restarted');
  // The failed sessions' state is deleted at every worker (the controller's cleanup). The controller
  // keeps its record of a failed session until its idle timeout, so that a resume is told why.
  const workerState = (): string[] => leftoverSessionFiles(tc).filter((f) => !f.startsWith('controller-'));
  await eventually(() => workerState().length === 0, 30_000, 'no session state left at any worker');

  // And the cluster serves the next client as usual.
  const out = tempDir('coffee-out-');
  await runClient({ data: honest, out, gateways: tc.cluster.gateways(), progress: false });
  await assertMatchesReference(honest, out);
});
