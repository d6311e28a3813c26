import { test } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import net from 'node:net';
import { freePortBlock } from './ports.js';

const listen = (port: number): Promise<net.Server> =>
  new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(port, '127.0.0.1', () => resolve(s));
  });
const bindUdp = (port: number): Promise<dgram.Socket> =>
  new Promise((resolve, reject) => {
    const s = dgram.createSocket('udp4');
    s.once('error', reject);
    s.bind(port, '127.0.0.1', () => resolve(s));
  });

test('a block never contains a port taken by a TCP listener or a UDP socket', async () => {
  // Past a block this process holds, so only probing (not its own bookkeeping) can skip ports.
  const from = (await freePortBlock(20, 1)) + 20;
  const tcp = await listen(from + 3);
  const udp = await bindUdp(from + 7);
  try {
    const base = await freePortBlock(5, 1, { from });
    // from+3 (TCP) and from+7 (UDP) are taken: the first block of 5 that avoids both starts at from+8 or later.
    assert.ok(base >= from + 8, `block at ${base} overlaps a taken port (${from + 3} or ${from + 7})`);
  } finally {
    tcp.close();
    udp.close();
  }
});

test('blocks handed out by one process never overlap', async () => {
  const a = await freePortBlock(50, 2);
  const b = await freePortBlock(50, 2, { from: a + 10 });
  assert.ok(b >= a + 50 || b + 50 <= a, `blocks ${a} and ${b} overlap`);
});

test('a size out of range is refused', async () => {
  await assert.rejects(freePortBlock(0), RangeError);
});
