import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { FrameType, encodeJsonFrame, type Frame } from '../protocol/wire/frames.js';
import { Link } from '../client/link.js';
import { GatewayServer } from './server.js';
import type { ClientManager } from './client-manager.js';

/**
 * TLS on the client port (issue 9, finding 9) with a self-signed pair generated for the test:
 * a client trusting that certificate talks frames to the gateway; one that does not trust it, or
 * speaks plain TCP, gets nothing and the server keeps serving. 127.0.0.1 only, bounded waits.
 */
function selfSigned(dir: string): { cert: string; key: string } {
  const cert = path.join(dir, 'cert.pem');
  const key = path.join(dir, 'key.pem');
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=coffee-test'],
    { stdio: 'ignore', timeout: 30_000 },
  );
  return { cert, key };
}

/** A stand-in for the client manager: greets every connection with one ERROR frame. */
const greeter = {
  accept(socket: net.Socket): void {
    socket.on('error', () => undefined);
    socket.end(encodeJsonFrame(FrameType.ERROR, { code: 'ERR_TEST', message: 'hello over tls' }));
  },
} as unknown as ClientManager;

function firstFrame(link: Link): Promise<Frame> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no frame within 5 s')), 5000);
    link.listen(
      (f) => {
        clearTimeout(timer);
        resolve(f);
      },
      () => undefined,
    );
  });
}

test('TLS on the client port: a client trusting the certificate gets frames; untrusting and plain-TCP clients get nothing', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'coffee-tls-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const files = selfSigned(dir);
  const server = new GatewayServer(greeter, files);
  const port = await server.listen(0, '127.0.0.1');
  t.after(() => server.stopAccepting());
  const address = `127.0.0.1:${port}`;

  const link = await Link.connect(address, 5000, { ca: readFileSync(files.cert) });
  const f = await firstFrame(link);
  assert.equal(f.type, FrameType.ERROR);
  assert.match(f.body.toString('utf8'), /hello over tls/);

  // The system CAs do not know a self-signed certificate: the handshake fails on the client.
  await assert.rejects(Link.connect(address, 5000, {}), /self[- ]signed|certificate/i);

  // A plain-TCP peer never sees a frame in clear; the server destroys it and keeps serving.
  const plain = net.connect({ host: '127.0.0.1', port });
  plain.on('error', () => undefined);
  let clear = '';
  plain.on('data', (c: Buffer) => (clear += c.toString('latin1')));
  plain.write(encodeJsonFrame(FrameType.HELLO, { version: 1 }));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('plain-TCP connection not closed within 15 s')), 15_000);
    plain.on('close', () => {
      clearTimeout(timer);
      resolve();
    });
  });
  assert.ok(!clear.includes('hello over tls'), 'no frame in clear');
  const again = await Link.connect(address, 5000, { ca: readFileSync(files.cert) });
  assert.equal((await firstFrame(again)).type, FrameType.ERROR);
});

test('a missing certificate file is a clear ERR_CONFIG at start', () => {
  assert.throws(
    () => new GatewayServer(greeter, { cert: '/nonexistent/cert.pem', key: '/nonexistent/key.pem' }),
    (err: unknown) => (err as { code?: string }).code === 'ERR_CONFIG' && /tls\.cert/.test(String(err)),
  );
});
