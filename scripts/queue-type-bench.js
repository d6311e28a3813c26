#!/usr/bin/env node
// queue-type-bench.js — a run's time with classic queues vs quorum queues, same data, same
// 3-node RabbitMQ cluster (scripts/rabbit-cluster.sh), same cluster config otherwise.
//
// Why: quorum queues replicate every message to a majority of broker nodes before confirming
// it; this measures what that costs a whole run (issue 8's figure). Classic and quorum runs
// alternate (`--rounds N`, default 2) so load drift on a shared machine hits both alike.
//
// Usage (root, after `npm run build:test`; heavy: wrap it in the machine's lock):
//   node scripts/queue-type-bench.js [--scale 0.05] [--rounds 2] [--base-port 5870]
// Prints one line per run and `RESULT classic_ms=[..] quorum_ms=[..]`; every run's reports are
// checked byte-identical to the reference. Stops the clusters and the RabbitMQ nodes at the end.
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import os from 'node:os';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const load = (p) => import(pathToFileURL(path.join(root, 'dist-test', p)).href);
const { startTestCluster, dataset, assertMatchesReference, tempDir } = await load('testing/harness.js');
const { startRabbitCluster, canRunRabbitCluster } = await load('testing/rabbit-cluster.js');
const { runClient } = await load('client/client.js');

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const scale = arg('scale', 0.05);
const rounds = arg('rounds', 2);
const basePort = arg('base-port', 5870);

const skip = await canRunRabbitCluster();
if (skip) {
  console.error(`cannot run: ${skip}`);
  process.exit(2);
}
const data = await dataset({ scale, seed: 7, hardCases: true });
const rmq = await startRabbitCluster({ dir: `/tmp/coffee-qtb-rmq-${process.pid}`, basePort, prefix: `qtb${process.pid}n` });
const times = { classic: [], quorum: [] };
try {
  for (let r = 0; r < rounds; r++) {
    for (const queueType of r % 2 === 0 ? ['classic', 'quorum'] : ['quorum', 'classic']) {
      const tc = await startTestCluster({ amqpUrl: rmq.address, queueType });
      try {
        const out = tempDir('coffee-qtb-out-');
        const t = Date.now();
        await runClient({ data, out, gateways: tc.cluster.gateways(), progress: false });
        const ms = Date.now() - t;
        await assertMatchesReference(data, out);
        times[queueType].push(ms);
        console.log(
          `round ${r + 1} ${queueType}: ${ms} ms (scale ${scale}, load ${os
            .loadavg()
            .map((l) => l.toFixed(1))
            .join(' ')})`,
        );
      } finally {
        await tc.stop();
      }
    }
  }
} finally {
  await rmq.stop();
}
console.log(`RESULT scale=${scale} classic_ms=[${times.classic.join(',')}] quorum_ms=[${times.quorum.join(',')}]`);
