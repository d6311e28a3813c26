import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { runClient } from '../client/client.js';
import { FrameType, encodeFrame, encodeJsonFrame, frameHeader, type Frame } from '../protocol/wire/frames.js';
import { encodeBatchFrame } from '../protocol/wire/messages.js';
import { encodeRows } from '../testing/batch-rows.js';
import { helloFrame, rawConnection, type RawConnection } from '../testing/raw-connection.js';
import { TABLE_CODES } from '../dataset/tables.js';
import { BatchEncoder } from '../dataset/batch-codec.js';
import { GatewayConfigSchema } from '../gateway/config.js';
import { runDir } from '../node/config/cluster.js';
import { Broker } from '../node/middleware/broker.js';
import { Topology } from '../node/middleware/topology.js';
import { deadLetterQueue } from '../node/middleware/poison.js';
import { createLogger } from '../node/log.js';
import { AMQP_URL } from '../testing/harness.js';
import { startTestCluster, dataset, assertMatchesReference, tempDir, eventually, type TestCluster } from '../testing/harness.js';

/**
 * Hostile clients against a real cluster (issue 9, client-facing half). While the attacks run,
 * an honest client's run must complete with the reference reports, no gateway may be restarted,
 * and every gateway's peak RSS must stay under `max_rss_bytes` (gateway config). Traffic goes to
 * 127.0.0.1 only; every attack is bounded in time.
 */
/** Peak RSS allowed per kind (SECURITY.md); the gateway's is its `max_rss_bytes` config default. */
const RSS_CAP: Record<string, number> = {
  'egg-of-life': 160 << 20,
  gateway: GatewayConfigSchema.parse({}).max_rss_bytes,
  controller: 256 << 20,
};
const RSS_CAP_WORKER = 320 << 20;
const UNUSED_TIMEOUT_MS = 3000;
const SESSION_IDLE_MS = 6000;
const ABORT_MAX = 12;
const ABORT_WINDOW_MS = 5000;
let tc: TestCluster;

before(async () => {
  tc = await startTestCluster({
    env: {
      // Short enough that the test does not wait long for slots held by HELLO-and-vanish.
      COFFEE__SESSION__UNUSED_TIMEOUT: String(UNUSED_TIMEOUT_MS),
      COFFEE__HELLO_TIMEOUT: '2000',
      COFFEE__IDLE_TIMEOUT: '3000',
      // Finding 11: a short session idle timeout, and gateways telling the controllers often
      // which sessions have a client connected.
      COFFEE__SESSION__IDLE_TIMEOUT: String(SESSION_IDLE_MS),
      COFFEE__ALIVE_INTERVAL: '1000',
      // Finding 16: a small abort limit with a short window, so the test can wait it out.
      COFFEE__ABORT_LIMIT__MAX: String(ABORT_MAX),
      COFFEE__ABORT_LIMIT__WINDOW: String(ABORT_WINDOW_MS),
    },
  });
});
after(async () => {
  await tc?.stop();
});

function errorCode(frames: Frame[]): string | undefined {
  const f = frames.find((x) => x.type === FrameType.ERROR);
  return f ? (JSON.parse(f.body.toString('utf8')) as { code: string }).code : undefined;
}

async function withDeadline<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>(
    (_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms)),
  );
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * A raw connection with an open session. HELLO is retried on ERR_BUSY, as an honest client
 * would (the attacks may hold every slot until they expire), within a deadline.
 */
async function withSession(address: string, timeoutMs = 60_000): Promise<RawConnection & { session: string; token: string }> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const c = rawConnection(address);
    c.socket.write(helloFrame());
    await eventually(() => c.frames.length > 0 || c.socket.destroyed, 15_000, 'an answer to HELLO');
    const accepted = c.frames.find((f) => f.type === FrameType.SESSION);
    if (accepted) return { ...c, ...(JSON.parse(accepted.body.toString('utf8')) as { session: string; token: string }) };
    c.socket.destroy();
    const code = errorCode(c.frames);
    if (code !== 'ERR_BUSY' || Date.now() > until) assert.fail(`no session on ${address}: ${code}`);
    await new Promise((r) => setTimeout(r, 500)); // the client's retry pause
  }
}

/** 8 MiB of nested JSON arrays: parsing it blocked a gateway's event loop for seconds. */
function nestedBomb(type: number): Buffer[] {
  const depth = 4 * 1024 * 1024;
  return [frameHeader(type as never, 2 * depth), Buffer.alloc(depth, '['), Buffer.alloc(depth, ']')];
}

async function controlFrameBombs(address: string): Promise<void> {
  for (const type of [FrameType.HELLO, FrameType.RESULT_ACK, FrameType.TABLE_END, FrameType.DONE]) {
    const c = rawConnection(address);
    for (const part of nestedBomb(type)) c.socket.write(part);
    await withDeadline(c.closed, 10_000, 'control frame bomb');
    assert.equal(errorCode(c.frames), 'ERR_FRAME_TOO_LARGE', `bomb of type ${type}`);
  }
  // After HELLO too: a RESULT_ACK bomb inside a session.
  const c = await withSession(address);
  for (const part of nestedBomb(FrameType.RESULT_ACK)) c.socket.write(part);
  await withDeadline(c.closed, 10_000, 'in-session bomb');
  assert.equal(errorCode(c.frames), 'ERR_FRAME_TOO_LARGE');
  // Unknown RESULT_ACK ids repeated: closed after the limit, not served forever.
  const r = await withSession(address);
  for (let i = 0; i < 200 && !r.socket.destroyed; i++) r.socket.write(encodeJsonFrame(FrameType.RESULT_ACK, { id: `x${i}` }));
  await withDeadline(r.closed, 10_000, 'unknown acks');
  assert.equal(errorCode(r.frames), 'ERR_FRAME_UNEXPECTED');
}

/** 1,000 connections: half idle, half sending a byte of a frame every 200 ms (slowloris). */
async function idleAndSlowloris(address: string): Promise<void> {
  const conns = Array.from({ length: 1000 }, () => rawConnection(address));
  const timers = conns.slice(0, 500).map((c) => {
    const bytes = helloFrame();
    let i = 0;
    const t = setInterval(() => {
      if (!c.socket.destroyed && i < bytes.length) c.socket.write(bytes.subarray(i++, i));
    }, 200);
    return t;
  });
  try {
    // Every one is closed by the gateway: over max_connections at once (ERR_BUSY), or at the HELLO deadline.
    await withDeadline(Promise.all(conns.map((c) => c.closed)), 30_000, 'idle/slowloris connections closed');
    const codes = new Set(conns.map((c) => errorCode(c.frames)));
    for (const code of codes) assert.ok(code === 'ERR_BUSY' || code === 'ERR_CONNECTION_TIMEOUT' || code === undefined, String(code));
  } finally {
    timers.forEach(clearInterval);
    conns.forEach((c) => c.socket.destroy());
  }
}

/**
 * HELLO and vanish, more than every slot of the cluster; resumes of made-up session ids. The
 * refused resumes come from an address of their own (127.0.0.5, still loopback): they count
 * against their source (abort_limit), which must not be the honest client's.
 */
async function sessionSlots(addresses: string[]): Promise<void> {
  const guesser = '127.0.0.5';
  const vanishers = Array.from({ length: 40 }, (_, i) => rawConnection(addresses[i % addresses.length]));
  for (const v of vanishers) v.socket.write(helloFrame());
  await eventually(() => vanishers.every((v) => v.frames.length > 0 || v.socket.destroyed), 20_000, 'answers to HELLO');
  vanishers.forEach((v) => v.socket.destroy());
  for (let i = 0; i < 10; i++) {
    const r = rawConnection(addresses[i % addresses.length], guesser);
    r.socket.write(helloFrame({ resume: randomUUID() }));
    await withDeadline(r.closed, 15_000, 'resume of an unknown session');
    assert.equal(errorCode(r.frames), 'ERR_SESSION_UNKNOWN');
  }
  // A resume of a real session without its token is refused.
  const owner = await withSession(addresses[0]);
  const thief = rawConnection(addresses[1 % addresses.length], guesser);
  thief.socket.write(helloFrame({ resume: owner.session, token: '0'.repeat(32) }));
  await withDeadline(thief.closed, 15_000, 'resume with a wrong token');
  assert.equal(errorCode(thief.frames), 'ERR_SESSION_TOKEN');
  owner.socket.destroy();
}

/** Random bytes and truncated frames, from many connections. */
async function garbage(address: string): Promise<void> {
  const good = Buffer.concat([
    helloFrame(),
    ...encodeBatchFrame(TABLE_CODES.stores, 0, encodeRows('stores', [{ storeId: 1, storeName: 'S' }])),
  ]);
  const conns = Array.from({ length: 100 }, (_, i) => {
    const c = rawConnection(address);
    if (i % 2 === 0) c.socket.end(randomBytes(1 + ((i * 37) % 4000)));
    else c.socket.end(good.subarray(0, 1 + ((i * 13) % (good.length - 1))));
    return c;
  });
  await withDeadline(Promise.all(conns.map((c) => c.closed)), 20_000, 'garbage connections closed');
}

/** Streams valid batches and never reads: the gateway must pause it, not buffer without end. */
async function neverReads(address: string): Promise<void> {
  const c = await withSession(address);
  c.socket.pause(); // from now on, never read what the gateway sends (acks)
  const payload = encodeRows(
    'stores',
    Array.from({ length: 2000 }, (_, i) => ({ storeId: i + 1, storeName: `store ${i}` })),
  );
  const until = Date.now() + 4000;
  let seq = 0;
  while (Date.now() < until && !c.socket.destroyed) {
    const ok = c.socket.write(Buffer.concat(encodeBatchFrame(TABLE_CODES.stores, seq++, payload)));
    if (!ok) await new Promise((r) => setTimeout(r, 20));
  }
  c.socket.destroy();
  await c.closed;
}

/**
 * Batches the client's row parser would never produce: a 256-byte transaction_id (its one-byte
 * length wraps in q1-sort's rows and forges rows) and invalid UTF-8. The gateway refuses them.
 */
async function craftedBatches(address: string): Promise<void> {
  for (const id of [Buffer.alloc(256, 0x78), Buffer.from([0x41, 0xff, 0x42])]) {
    const enc = new BatchEncoder('transactions');
    for (let c = 0; c < 4; c++) enc.setNum(c, 1);
    enc.setStringBytes(id, 0, id.length);
    enc.commitRow();
    const c = await withSession(address);
    for (const part of encodeBatchFrame(TABLE_CODES.transactions, 0, enc.finish())) c.socket.write(part);
    await withDeadline(c.closed, 10_000, 'crafted batch refused');
    assert.equal(errorCode(c.frames), 'ERR_BATCH_MALFORMED', `transaction_id of ${id.length} bytes`);
  }
}

/**
 * Poison messages published straight into every worker and controller queue (finding 12): a
 * batch that is not a batch, a counter report that is not one, a COMPLETE that is not JSON, an
 * EOS and a cleanup of sessions nobody opened, a message of an unknown type. Each must be handled
 * or dead-lettered after bounded deliveries; none may loop for ever or take a node down.
 * Returns the queues attacked.
 */
async function poisonQueues(): Promise<string[]> {
  const broker = await Broker.connect(AMQP_URL, createLogger('poisoner', 'silent'), 'attack-poisoner');
  try {
    const queues = new Topology(tc.cluster.config).allSharedQueues();
    for (const queue of queues) {
      const session = randomUUID();
      const bodies: Array<[string, Buffer]> = [
        ['data', randomBytes(64)],
        ['data', Buffer.alloc(0)],
        ['counter', Buffer.from('{"stage":"source","entries":[[1,2,3]],"totals":"x"}')],
        ['q1-rows', randomBytes(300)],
        ['q2-partial', Buffer.from('[[[[')],
        ['q4-counts', randomBytes(17)],
        ['complete', Buffer.from('not json')],
        ['eos', Buffer.alloc(0)],
        ['cleanup', Buffer.alloc(0)],
        ['no-such-type', randomBytes(8)],
      ];
      for (const [type, body] of bodies) await broker.publish({ queue, type: type as never, id: `poison-${randomUUID()}`, session, body });
    }
    return queues;
  } finally {
    await broker.close();
  }
}

/** Local addresses (hex, as in /proc/net/tcp) of the sockets listening on a port. */
function listeningAddresses(port: number): string[] {
  const out: string[] = [];
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    if (!existsSync(file)) continue;
    for (const line of readFileSync(file, 'utf8').split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols.length < 4 || cols[3] !== '0A') continue; // 0A: LISTEN
      const [addr, p] = cols[1].split(':');
      if (parseInt(p, 16) === port) out.push(addr);
    }
  }
  return out;
}

/** Peak RSS of every node, from `<run_dir>/stats/<id>.json` (rewritten every second). */
function peakRss(): Map<string, { kind: string; rss: number; at: number }> {
  const dir = path.join(runDir(tc.cluster.config), 'stats');
  const out = new Map<string, { kind: string; rss: number; at: number }>();
  for (const n of tc.cluster.nodes()) {
    const file = path.join(dir, `${n.id}.json`);
    if (!existsSync(file)) continue;
    const st = JSON.parse(readFileSync(file, 'utf8')) as { maxRssBytes: number; at: number };
    out.set(n.id, { kind: n.kind, rss: st.maxRssBytes, at: st.at });
  }
  return out;
}

test('under client attacks an honest client gets exact reports, no gateway or egg restarts, every node stays under its memory cap', async () => {
  const data = await dataset({ scale: 0.002, seed: 41, hardCases: true });
  const out = tempDir('coffee-out-');
  const gateways = tc.cluster.gateways();
  const gatewaysBefore = tc.pidsOf('gateway');
  const eggsBefore = tc.pidsOf('egg-of-life');
  const allBefore = new Map(tc.cluster.nodes().map((n) => [n.id, n.pid]));
  assert.equal(gatewaysBefore.size, gateways.length);

  // Finding 21: the local cluster's client ports listen on the loopback address only.
  for (const g of gateways) {
    const port = Number(g.split(':')[1]);
    assert.deepEqual(listeningAddresses(port), ['0100007F'], `gateway port ${port} listens on 127.0.0.1 only`);
    assert.deepEqual(listeningAddresses(port + 1), ['0100007F'], `/ping port ${port + 1} listens on 127.0.0.1 only`);
  }

  let poisoned: string[] = [];
  const attacks = (async () => {
    poisoned = await poisonQueues();
    await sessionSlots(gateways);
    await controlFrameBombs(gateways[0]);
    await craftedBatches(gateways[1 % gateways.length]);
    await garbage(gateways[1 % gateways.length]);
    await idleAndSlowloris(gateways[0]);
    await neverReads(gateways[1 % gateways.length]);
  })();
  // The honest client starts while the slots are taken: it retries (ERR_BUSY) until they expire.
  const honest = runClient({ data, out, gateways, progress: false, retryForMs: 120_000 });
  await attacks;
  await honest;
  await assertMatchesReference(data, out);

  assert.deepEqual(tc.pidsOf('gateway'), gatewaysBefore, 'no gateway was restarted');
  // Every poisoned queue is drained (each poison handled or dead-lettered), none loops for ever.
  const inspector = await Broker.connect(AMQP_URL, createLogger('inspector', 'silent'), 'attack-inspector');
  try {
    await eventually(
      async () => {
        for (const q of poisoned) if ((await inspector.queueDepth(q)) !== 0) return false;
        return true;
      },
      60_000,
      'poisoned queues drained',
    );
    let deadLettered = 0;
    for (const q of poisoned) deadLettered += (await inspector.queueDepth(deadLetterQueue(q))) ?? 0;
    const restarted = tc.cluster
      .nodes()
      .filter((n) => allBefore.get(n.id) !== n.pid)
      .map((n) => n.id);
    console.log(`nodes restarted during the attacks: ${restarted.join(', ') || 'none'}`);
    console.log(`poison messages: ${poisoned.length * 10} injected into ${poisoned.length} queues, ${deadLettered} dead-lettered`);
    for (const q of poisoned) await inspector.deleteQueue(deadLetterQueue(q)).catch(() => undefined);
  } finally {
    await inspector.close();
  }
  assert.deepEqual(tc.pidsOf('egg-of-life'), eggsBefore, 'no Egg of Life replica was restarted');
  // Stats are rewritten every second: wait for a write after the attacks, then check the peaks.
  const mark = Date.now();
  await eventually(
    () => [...peakRss().values()].length === tc.cluster.nodes().length && [...peakRss().values()].every((st) => st.at > mark),
    10_000,
    'fresh stats of every node',
  );
  const peaks: string[] = [];
  for (const [id, { kind, rss }] of peakRss()) {
    const cap = RSS_CAP[kind] ?? RSS_CAP_WORKER;
    peaks.push(`${id} ${(rss / 2 ** 20).toFixed(0)} MiB`);
    assert.ok(rss < cap, `${id} peaked at ${(rss / 2 ** 20).toFixed(0)} MiB (cap ${cap / 2 ** 20} MiB)`);
  }
  console.log(`peak RSS under client attacks: ${peaks.join(', ')}`);

  // And a fresh client afterwards is served normally (no slot left taken).
  const out2 = tempDir('coffee-out-');
  await runClient({ data, out: out2, gateways, progress: false, retryForMs: 60_000 });
  await assertMatchesReference(data, out2);
});

test('a session whose client stays connected outlives the idle timeout while the system keeps it waiting (finding 11)', async () => {
  const [address] = tc.cluster.gateways();
  const c = await withSession(address);
  const { session, token } = c;
  try {
    // One batch: the session is in use (an unused one may expire while connected, on purpose).
    for (const part of encodeBatchFrame(TABLE_CODES.stores, 0, encodeRows('stores', [{ storeId: 1, storeName: 'S' }])))
      c.socket.write(part);
    await eventually(() => c.frames.some((f) => f.type === FrameType.BATCH_ACK), 15_000, 'BATCH_ACK');
    // Then nothing for well over the controller's idle timeout, with the connection open (as
    // when a stage is down): without the gateway's alive notices the session is cleaned up.
    await new Promise((r) => setTimeout(r, 2.5 * SESSION_IDLE_MS));
    const again = rawConnection(address);
    again.socket.write(helloFrame({ resume: session, token }));
    await eventually(() => again.frames.length > 0 || again.socket.destroyed, 15_000, 'an answer to the resume');
    const code = errorCode(again.frames);
    again.socket.destroy();
    assert.equal(code, undefined, `the resume was refused with ${code}: the session expired although its client was connected`);
    assert.ok(again.frames.some((f) => f.type === FrameType.SESSION));
  } finally {
    c.socket.destroy();
  }
});

test('a loop of HELLO, SESSION, protocol violation from one address is refused past the abort limit, then served again (finding 16)', async () => {
  const [address] = tc.cluster.gateways();
  // Earlier tests' aborts have left the window by now.
  await new Promise((r) => setTimeout(r, ABORT_WINDOW_MS));
  for (let i = 0; i < ABORT_MAX; i++) {
    const c = await withSession(address);
    c.socket.write(encodeFrame(FrameType.DONE, Buffer.alloc(0))); // DONE before COMPLETE
    await withDeadline(c.closed, 10_000, 'abort');
    assert.equal(errorCode(c.frames), 'ERR_FRAME_UNEXPECTED');
  }
  const refused = rawConnection(address);
  refused.socket.write(helloFrame());
  await withDeadline(refused.closed, 10_000, 'refused');
  assert.equal(errorCode(refused.frames), 'ERR_BUSY');
  assert.match(refused.frames.map((f) => f.body.toString('utf8')).join(''), /protocol errors/);
  // Once the window has moved on the address is served again.
  const again = await withSession(address, 4 * ABORT_WINDOW_MS);
  again.socket.destroy();
});
