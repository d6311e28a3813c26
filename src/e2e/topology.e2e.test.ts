import { test, before, after } from 'node:test';
import { runClient } from '../client/client.js';
import { startTestCluster, dataset, assertMatchesReference, tempDir, eventually, type TestCluster } from '../testing/harness.js';

/** Partitioning must hold for any replica counts, not just the default two of each. */
const REPLICAS = {
  'q1-sort': 3,
  'q4-count': 3,
  'q4-top': 1,
  'q3-agg': 3,
  'q2-agg': 1,
  'tx-filter': 1,
  'item-filter': 3,
  controller: 3,
  gateway: 1,
  'egg-of-life': 1,
};

let tc: TestCluster;
before(async () => {
  tc = await startTestCluster({ replicas: REPLICAS });
});
after(async () => {
  await tc?.stop();
});

test('odd replica counts (1 and 3 per kind): two clients at once still get exact reports', async () => {
  // Gateways answer first; a node still booting on a busy machine writes its pid file a little later.
  const total = Object.values(REPLICAS).reduce((a, b) => a + b, 0);
  await eventually(() => tc.cluster.nodes().length === total, 30_000, `all ${total} replicas running`);
  const datas = await Promise.all([41, 42].map((seed) => dataset({ scale: 0.002, seed, hardCases: true })));
  const outs = datas.map(() => tempDir('coffee-out-'));
  await Promise.all(
    datas.map((data, i) => runClient({ data, out: outs[i], gateways: tc.cluster.gateways(), progress: false, maxBatchBytes: 64 * 1024 })),
  );
  for (let i = 0; i < datas.length; i++) await assertMatchesReference(datas[i], outs[i]);
});
