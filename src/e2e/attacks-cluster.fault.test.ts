import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import net from 'node:net';
import { randomBytes } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { runClient } from '../client/client.js';
import { eggPorts, runDir } from '../node/config/cluster.js';
import { loadClusterSecret, seal } from '../node/heartbeat/auth.js';
import { encodeHeartbeat } from '../node/heartbeat/message.js';
import { isAlive, signal } from '../node/processes.js';
import { startTestCluster, dataset, assertMatchesReference, eventually, tempDir, type TestCluster } from '../testing/harness.js';
import { readStatsDir } from '../tools/bench/stats.js';

/**
 * Cluster-internal attacks (issue 9), all to 127.0.0.1 and bounded in time: while forged and
 * replayed heartbeats and election messages hit every Egg of Life replica, an honest client's
 * run is exact, no gateway or Egg of Life replica is restarted, a killed worker is still
 * restarted (a forged heartbeat cannot keep it "alive") and every node stays under its memory cap.
 */

/** Peak RSS allowed per kind during the attacks (SECURITY.md, "Limits and their defaults"). */
const RSS_CAP: Record<string, number> = { 'egg-of-life': 160 << 20, gateway: 256 << 20, controller: 256 << 20 };
const RSS_CAP_WORKER = 320 << 20;

let tc: TestCluster;
before(async () => {
  tc = await startTestCluster();
});
after(async () => {
  await tc?.stop();
});

/** One line to an election server; resolves with the reply ('' when refused). */
function electionRequest(port: number, line: string): Promise<string> {
  return new Promise((resolve) => {
    let buf = '';
    const s = net.connect({ host: '127.0.0.1', port }, () => s.write(line));
    s.setEncoding('utf8');
    s.setTimeout(3000, () => s.destroy());
    s.on('data', (c: string) => (buf += c));
    s.on('error', () => undefined);
    s.on('close', () => resolve(buf));
  });
}

test('forged and replayed heartbeats and election messages: honest run exact, no egg or gateway restarted, a killed worker still restarted, memory capped', async () => {
  const config = tc.cluster.config;
  const eggs = config.replicas['egg-of-life'];
  const udp = Array.from({ length: eggs }, (_, i) => eggPorts(config, i).udp);
  const election = Array.from({ length: eggs }, (_, i) => eggPorts(config, i).election);
  const secret = loadClusterSecret(config);
  const wrongKey = randomBytes(32);
  const eggPids = tc.pidsOf('egg-of-life');
  const gatewayPids = tc.pidsOf('gateway');
  const logs = path.join(runDir(config), 'logs');
  const leaderLines = (): number =>
    readdirSync(logs)
      .filter((f) => f.startsWith('egg-of-life-'))
      .map(
        (f) =>
          readFileSync(path.join(logs, f), 'utf8')
            .split('\n')
            .filter((l) => l.includes('this replica is now the leader')).length,
      )
      .reduce((a, b) => a + b, 0);
  // Let the election of the cluster's start settle, then remember how many leaders there were.
  await new Promise((r) => setTimeout(r, 2000));
  const leadersBefore = leaderLines();
  const victim = tc.cluster.nodes().find((n) => n.id === 'q2-agg-0');
  assert.ok(victim, 'q2-agg-0 not running');

  // A captured authentic heartbeat of the victim (the attacker saw it on the wire): replayed below.
  const captured = encodeHeartbeat(secret, { id: victim.id, kind: victim.kind, pid: victim.pid });
  const capturedElection = `${seal(secret, 'el', 'egg-0', { type: 'COORDINATOR', from: 0 })}\n`;
  const sock = dgram.createSocket('udp4');
  let stop = false;
  let sent = 0;
  const flood = (async () => {
    let round = 0;
    while (!stop) {
      round++;
      const forged: Buffer[] = [
        // Pre-fix format: plain JSON, the dead victim "alive".
        Buffer.from(JSON.stringify({ id: victim.id, kind: victim.kind, pid: victim.pid, ts: Date.now() })),
        // Signed with a wrong key; random ids and pids (used to grow the unknown-id set).
        encodeHeartbeat(wrongKey, { id: `x-${randomBytes(6).toString('hex')}`, kind: 'x', pid: 1 + (round % 100000) }),
        encodeHeartbeat(wrongKey, { id: victim.id, kind: victim.kind, pid: victim.pid }),
        captured,
        randomBytes(64 + (round % 400)),
      ];
      for (const port of udp) for (const b of forged) sock.send(b, port, '127.0.0.1', () => undefined);
      sent += forged.length * udp.length;
      if (round % 5 === 0) {
        // Forged COORDINATOR from a high index (pre-fix: demoted the leader), a wrong-key one, a replay.
        const lines = [
          `${JSON.stringify({ type: 'COORDINATOR', from: 99 })}\n`,
          `${seal(wrongKey, 'el', 'egg-99', { type: 'COORDINATOR', from: 99 })}\n`,
          capturedElection,
        ];
        await Promise.all(election.flatMap((port) => lines.map((l) => electionRequest(port, l))));
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  })();

  try {
    // The victim dies while forged and replayed heartbeats claim it alive: it must come back.
    await new Promise((r) => setTimeout(r, 1000));
    signal(victim.pid, 'SIGKILL');
    await eventually(
      () => {
        const now = tc.cluster.nodes().find((n) => n.id === victim.id);
        return now !== undefined && now.pid !== victim.pid && isAlive(now.pid);
      },
      20_000,
      `${victim.id} to be restarted despite forged heartbeats`,
    );

    const data = await dataset({ scale: 0.001, seed: 21, hardCases: true });
    const out = tempDir('coffee-out-');
    await runClient({ data, out, gateways: tc.cluster.gateways(), progress: false });
    await assertMatchesReference(data, out);
  } finally {
    stop = true;
    await flood;
    sock.close();
  }
  assert.ok(sent > 1000, `only ${sent} forged datagrams sent`);

  assert.deepEqual(tc.pidsOf('egg-of-life'), eggPids, 'an Egg of Life replica was restarted');
  assert.deepEqual(tc.pidsOf('gateway'), gatewayPids, 'a gateway was restarted');
  // Forged election messages never changed the leader.
  assert.equal(leaderLines(), leadersBefore, 'forged election messages steered the election');

  // The stats files as the bench reads them: a node's temp file (written, then renamed over its
  // file every second) may be listed and gone before it is read.
  const stats = readStatsDir(path.join(runDir(config), 'stats'));
  assert.equal(stats.size, tc.cluster.nodes().length, 'a node without stats');
  for (const s of stats.values()) {
    const cap = RSS_CAP[s.kind] ?? RSS_CAP_WORKER;
    assert.ok(s.maxRssBytes < cap, `${s.id} peak RSS ${Math.round(s.maxRssBytes / 2 ** 20)} MiB over its cap ${cap >> 20} MiB`);
  }
});
