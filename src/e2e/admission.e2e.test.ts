import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { runClient } from '../client/client.js';
import { startTestCluster, dataset, assertMatchesReference, tempDir, type TestCluster } from '../testing/harness.js';

/** max.clients against the real cluster: one controller admitting one session at a time. */
let tc: TestCluster;
before(async () => {
  tc = await startTestCluster({ replicas: { controller: 1 }, env: { COFFEE__MAX__CLIENTS: '1' } });
});
after(async () => {
  await tc?.stop();
});

test('beyond max.clients a client gets a clear "busy, retry later" answer; once the system has room it is served exactly', async () => {
  const data = await dataset({ scale: 0.002, seed: 31, hardCases: true });
  const outA = tempDir('coffee-out-');
  let release!: () => void;
  const uploading = new Promise<void>((r) => (release = r));
  // Client A holds the only slot (small batches keep it busy for a while).
  const a = runClient({
    data,
    out: outA,
    gateways: tc.cluster.gateways(),
    progress: false,
    maxBatchBytes: 16 * 1024,
    window: 1,
    onEvent: (e) => e.type === 'batch-acked' && e.acked === 1 && release(),
  });
  await uploading;
  await assert.rejects(
    runClient({ data, out: tempDir('coffee-out-'), gateways: tc.cluster.gateways(), progress: false, retryForMs: 500 }),
    (err: Error & { code?: string }) => {
      assert.equal(err.code, 'ERR_BUSY');
      assert.match(err.message, /busy.*retry later/);
      return true;
    },
  );
  // A client willing to wait gets in as soon as A is done.
  const outB = tempDir('coffee-out-');
  const b = runClient({ data, out: outB, gateways: tc.cluster.gateways(), progress: false, retryForMs: 120_000 });
  await a;
  await b;
  await assertMatchesReference(data, outA);
  await assertMatchesReference(data, outB);
});
