import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { BullyElection, parseMessage, type BullyPeer } from './bully.js';
import { seal } from '../node/heartbeat/auth.js';
import { waitFor } from '../node/processes.js';

async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: n },
      () =>
        new Promise<net.Server>((resolve) => {
          const s = net.createServer();
          s.listen(0, '127.0.0.1', () => resolve(s));
        }),
    ),
  );
  const ports = servers.map((s) => (s.address() as net.AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return ports;
}

const SECRET = Buffer.from('test-secret-'.repeat(4));
const running = new Set<BullyElection>();
after(async () => {
  for (const e of running) await e.stop();
});

function make(index: number, peers: BullyPeer[]): BullyElection {
  const e = new BullyElection({ index, port: peers[index].port, peers, intervalMs: 100, timeoutMs: 150, secret: SECRET });
  running.add(e);
  return e;
}
async function stop(e: BullyElection): Promise<void> {
  await e.stop();
  running.delete(e);
}
/** Every given instance agrees that `leader` leads, and only it thinks it leads. */
async function agree(instances: BullyElection[], leader: number, timeoutMs = 5000): Promise<void> {
  const ok = await waitFor(() => instances.every((e) => e.leader() === leader && e.isLeader() === (e.index === leader)), timeoutMs, 10);
  assert.ok(ok, `expected every replica to follow ${leader}; got ${instances.map((e) => `${e.index}→${e.leader()}`).join(', ')}`);
}

test('messages: garbage is rejected, valid lines parse', () => {
  assert.equal(parseMessage('not json'), null);
  assert.equal(parseMessage('{"type":"HELLO","from":1}'), null);
  assert.equal(parseMessage('{"type":"ELECTION","from":"1"}'), null);
  assert.deepEqual(parseMessage('{"type":"PONG","from":2,"leader":2}'), { type: 'PONG', from: 2, leader: 2 });
});

test('bully: highest wins, leader death elects the next highest, a recovered higher replica takes over', async () => {
  const ports = await freePorts(3);
  const peers = ports.map((port, index) => ({ index, host: '127.0.0.1', port }));
  // Start lowest first: replica 0 may briefly lead alone, then must yield.
  const e0 = make(0, peers);
  await e0.start();
  await agree([e0], 0);
  const e1 = make(1, peers);
  await e1.start();
  const e2 = make(2, peers);
  await e2.start();
  await agree([e0, e1, e2], 2);

  await stop(e2);
  await agree([e0, e1], 1);

  const e2b = make(2, peers);
  await e2b.start();
  await agree([e0, e1, e2b], 2);

  // Two replicas die, including the leader: the survivor leads alone.
  await stop(e2b);
  await stop(e1);
  await agree([e0], 0);
});

test('bully: a frozen leader (accepts connections, never replies) is replaced', async () => {
  const ports = await freePorts(3);
  const peers = ports.map((port, index) => ({ index, host: '127.0.0.1', port }));
  const e0 = make(0, peers);
  const e1 = make(1, peers);
  await e0.start();
  await e1.start();
  await agree([e0, e1], 1);
  // A "replica 2" whose kernel accepts TCP but whose process never answers, like a SIGSTOPped one.
  const frozen = net.createServer(() => undefined);
  const sockets = new Set<net.Socket>();
  frozen.on('connection', (s) => sockets.add(s));
  await new Promise<void>((r) => frozen.listen(ports[2], '127.0.0.1', () => r()));
  try {
    // Replica 1 asks 2 when electing again; the silent 2 must not block it from leading.
    await stop(e1);
    await agree([e0], 0);
    const e1b = make(1, peers);
    await e1b.start();
    await agree([e0, e1b], 1);
  } finally {
    for (const s of sockets) s.destroy();
    await new Promise((r) => frozen.close(r));
  }
});

test('bully: a lower replica claiming leadership is overruled', async () => {
  const ports = await freePorts(2);
  const peers = ports.map((port, index) => ({ index, host: '127.0.0.1', port }));
  const e0 = make(0, peers);
  const e1 = make(1, peers);
  await e0.start();
  await e1.start();
  await agree([e0, e1], 1);
  // Replica 0 forces an election: replica 1 answers and re-announces itself.
  await e0.elect();
  await agree([e0, e1], 1);
});

/** Sends one raw line to an election server; resolves with its reply line ('' if it hung up). */
function rawRequest(port: number, line: string): Promise<string> {
  return new Promise((resolve) => {
    let buf = '';
    const s = net.connect({ host: '127.0.0.1', port }, () => s.write(line));
    s.setEncoding('utf8');
    s.on('data', (c: string) => (buf += c));
    s.on('error', () => undefined);
    s.on('close', () => resolve(buf));
  });
}

test('bully: forged, replayed and unknown-peer COORDINATORs do not demote the leader (issue 9 #8)', async () => {
  const ports = await freePorts(2);
  const peers = ports.map((port, index) => ({ index, host: '127.0.0.1', port }));
  const e0 = make(0, peers);
  const e1 = make(1, peers);
  await e0.start();
  await e1.start();
  await agree([e0, e1], 1);
  // Unsigned (the pre-fix wire format): a COORDINATOR from a high index every ~20 ms.
  // Signed with a wrong key. Signed right but from an index that is not a configured peer.
  // And a captured authentic COORDINATOR played again.
  const wrongKey = Buffer.from('not-the-cluster-secret-'.repeat(2));
  const authentic = `${seal(SECRET, 'el', 'egg-5', { type: 'COORDINATOR', from: 5 })}\n`;
  const lines = [
    `${JSON.stringify({ type: 'COORDINATOR', from: 9 })}\n`,
    `${seal(wrongKey, 'el', 'egg-9', { type: 'COORDINATOR', from: 9 })}\n`,
    authentic,
  ];
  const rejectedBefore = e1.rejected;
  for (let i = 0; i < 15; i++) {
    for (const line of lines) assert.equal(await rawRequest(ports[1], line), '', 'a forged message got a reply');
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(e1.leader(), 1, 'forged COORDINATOR demoted the leader');
    assert.equal(e0.leader(), 1);
  }
  assert.ok(e1.rejected - rejectedBefore >= 45);
  // A replay of an authentic message from a configured peer (egg-0) is refused too.
  const fromPeer = `${seal(SECRET, 'el', 'egg-0', { type: 'PING', from: 0 })}\n`;
  assert.notEqual(await rawRequest(ports[1], fromPeer), '', 'an authentic PING from a peer must be answered');
  assert.equal(await rawRequest(ports[1], fromPeer), '', 'a replayed PING must be refused');
  // A stale one (outside the replay window) too.
  const stale = `${seal(SECRET, 'el', 'egg-0', { type: 'PING', from: 0 }, Date.now() - 60_000)}\n`;
  assert.equal(await rawRequest(ports[1], stale), '');
  await agree([e0, e1], 1);
});
