import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import http from 'node:http';
import { FrameDecoder, FrameType, encodeJsonFrame, frameHeader, type Frame } from '../protocol/wire/frames.js';
import { createLogger } from '../node/log.js';
import { FramedConnection, type ConnectionLimits } from './framed-connection.js';
import { HealthcheckServer } from './healthcheck.js';
import { listen } from './listen.js';

/**
 * FramedConnection and the health check over real sockets on 127.0.0.1 (issue 9, findings 2,
 * 10, 19, 21): what a peer that never reads, never finishes a frame or never sends FIN costs the
 * gateway. Every wait is bounded.
 */
const log = createLogger('framed-connection-test', 'silent');
const LIMITS: ConnectionLimits = {
  maxFrameBytes: 1 << 20,
  maxControlBytes: 4096,
  idleTimeoutMs: 300,
  keepAliveMs: 1000,
  closeGraceMs: 200,
};

/** A server on 127.0.0.1 whose first connection becomes a FramedConnection; a raw client to it. */
async function pair(
  limits: ConnectionLimits = LIMITS,
): Promise<{ conn: FramedConnection; client: net.Socket; server: net.Server; gone: Promise<void> }> {
  let onConn: (c: FramedConnection) => void = () => undefined;
  const accepted = new Promise<FramedConnection>((resolve) => (onConn = resolve));
  let onGone: () => void = () => undefined;
  const gone = new Promise<void>((resolve) => (onGone = resolve));
  const server = net.createServer((socket) => {
    // The gateway's side of the socket is released (closed for good), whatever the peer does.
    socket.on('close', () => onGone());
    onConn(new FramedConnection(socket, limits, log));
  });
  const port = await listen(server, 0, '127.0.0.1');
  // allowHalfOpen: the client never answers the gateway's FIN with its own (a peer that vanished).
  const client = net.connect({ host: '127.0.0.1', port, allowHalfOpen: true });
  client.on('error', () => undefined);
  return { conn: await accepted, client, server, gone };
}

function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms))),
  ]);
}

function errorCode(frames: Frame[]): string | undefined {
  const f = frames.find((x) => x.type === FrameType.ERROR);
  return f ? (JSON.parse(f.body.toString('utf8')) as { code: string }).code : undefined;
}

function framesOf(client: net.Socket): Frame[] {
  const out: Frame[] = [];
  const d = new FrameDecoder({ maxControlBytes: 64 * 1024 });
  client.on('data', (c: Buffer) => out.push(...d.push(c)));
  return out;
}

test('end() destroys the socket after the grace when the peer never sends FIN', async () => {
  const { conn, client, server, gone } = await pair();
  try {
    conn.end();
    // Without the destroy after close_grace the gateway's side stays half-closed for ever.
    await within(gone, 3000, 'socket destroyed after the grace');
    assert.ok(conn.isClosed);
  } finally {
    client.destroy();
    server.close();
  }
});

test('a frame stalled half-way (slowloris) is closed with ERR_CONNECTION_TIMEOUT after the idle timeout', async () => {
  const { conn, client, server, gone } = await pair();
  try {
    conn.onFrames(() => undefined);
    const frames = framesOf(client);
    const failed = new Promise<unknown>((r) => conn.onFail(r));
    // Four bytes of a HELLO header, then nothing.
    client.write(frameHeader(FrameType.HELLO, 100).subarray(0, 4));
    const err = await within(failed, 3000, 'idle timeout');
    assert.equal((err as { code?: string }).code, 'ERR_CONNECTION_TIMEOUT');
    await within(gone, 3000, 'closed');
    assert.equal(errorCode(frames), 'ERR_CONNECTION_TIMEOUT');
  } finally {
    client.destroy();
    server.close();
  }
});

test('an idle connection the gateway is not waiting on stays open (a long query is not the client’s fault)', async () => {
  const { conn, client, server } = await pair();
  try {
    conn.onFrames(() => undefined);
    conn.setWaitingOnClient(() => false);
    await new Promise((r) => setTimeout(r, 3 * LIMITS.idleTimeoutMs));
    assert.equal(conn.isClosed, false);
  } finally {
    client.destroy();
    server.close();
  }
});

test('a peer that does not read what the gateway writes pauses reading (no unbounded write buffer)', async () => {
  const { conn, client, server } = await pair({ ...LIMITS, idleTimeoutMs: 60_000 });
  try {
    conn.onFrames(() => undefined);
    client.pause();
    const big = encodeJsonFrame(FrameType.ERROR, { code: 'x', message: 'y'.repeat(60_000) });
    for (let i = 0; i < 200 && !conn.isPaused; i++) conn.send(big);
    assert.ok(conn.isPaused, 'reading is paused once the socket buffer is full');
    client.resume();
    await within(
      (async () => {
        while (conn.isPaused) await new Promise((r) => setTimeout(r, 10));
      })(),
      5000,
      'resumed after drain',
    );
  } finally {
    client.destroy();
    server.close();
  }
});

test('a control frame bomb is refused from its header: ERR_FRAME_TOO_LARGE with nothing of the body read', async () => {
  const { conn, client, server } = await pair();
  try {
    let delivered = 0;
    conn.onFrames(() => delivered++);
    const frames = framesOf(client);
    client.write(frameHeader(FrameType.HELLO, 8 << 20));
    await within(new Promise<void>((r) => client.on('end', () => r())), 3000, 'closed');
    assert.equal(delivered, 0);
    assert.equal(errorCode(frames), 'ERR_FRAME_TOO_LARGE');
  } finally {
    client.destroy();
    server.close();
  }
});

async function request(port: number, method: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: '/ping', method }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('/ping: 200 while the broker is up, 503 while it is down; HEAD is answered too; it binds the given address', async () => {
  let up = true;
  const hc = new HealthcheckServer(() => up);
  const port = await hc.listen(0, '127.0.0.1');
  try {
    assert.deepEqual(await request(port, 'GET'), { status: 200, body: 'pong' });
    assert.equal((await request(port, 'HEAD')).status, 200);
    up = false;
    assert.equal((await request(port, 'GET')).status, 503);
    assert.equal((await request(port, 'HEAD')).status, 503);
  } finally {
    await hc.close();
  }
});

test('listen() drops its startup error listener: a later server error reaches the server’s own listeners', async () => {
  const server = net.createServer();
  await listen(server, 0, '127.0.0.1');
  try {
    assert.equal(server.listenerCount('error'), 0, 'the startup listener is gone');
    const addr = server.address();
    assert.ok(typeof addr === 'object' && addr !== null && addr.address === '127.0.0.1', 'bound to the loopback address asked for');
  } finally {
    server.close();
  }
});
