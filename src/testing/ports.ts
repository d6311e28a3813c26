/**
 * Port blocks for tests that start servers on fixed, configured ports (clusters, eggs, brokers).
 *
 * A block derived from the pid alone can land on a port something else already listens on: the
 * machine's RabbitMQ keeps its Erlang distribution port (25672) open, private test brokers
 * theirs (AMQP port + 20 000), and an outgoing connection holds a port of the ephemeral range
 * (32768+) for as long as it lives. Such a clash shows up as one replica that never binds, far
 * from its cause. So every port of a block is bound once (TCP and UDP, 127.0.0.1) before the
 * block is handed out, and the search moves on past a port that is taken.
 */

import dgram from 'node:dgram';
import net from 'node:net';

/** The range blocks are taken from: above the well-known ports, below Linux's ephemeral range. */
const LOW = 10_000;
const HIGH = 32_000;

function tcpFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => server.close(() => resolve(true)));
  });
}

function udpFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = dgram.createSocket('udp4');
    socket.once('error', () => {
      socket.close();
      resolve(false);
    });
    socket.bind({ port, address: '127.0.0.1', exclusive: true }, () => socket.close(() => resolve(true)));
  });
}

/** Blocks already handed out by this process: never handed out twice. */
const given: Array<[number, number]> = [];
/** The last port of a handed-out block that overlaps [base, base + size), or -1. */
const overlapsGiven = (base: number, size: number): number => {
  const hit = given.find(([b, s]) => base < b + s && b < base + size);
  return hit ? hit[0] + hit[1] - 1 : -1;
};

/**
 * The first port of `size` consecutive ports that are all free for TCP and UDP on 127.0.0.1
 * right now. The search starts at a point spread by `seed` (default: the pid), so concurrent
 * test processes rarely probe the same ports (`from` sets it), and gives up after `attempts` candidate blocks.
 */
export async function freePortBlock(size: number, seed = process.pid, opts: { attempts?: number; from?: number } = {}): Promise<number> {
  const attempts = opts.attempts ?? 200;
  if (!Number.isInteger(size) || size < 1 || size > 1000) throw new RangeError(`port block size must be 1–1000, got ${size}`);
  const span = HIGH - LOW - size;
  let base = opts.from ?? LOW + ((seed * 7919) % span);
  for (let tried = 0; tried < attempts; tried++) {
    let clash = overlapsGiven(base, size);
    for (let p = base; clash < 0 && p < base + size; p++) if (!(await tcpFree(p)) || !(await udpFree(p))) clash = p;
    if (clash < 0) {
      given.push([base, size]);
      return base;
    }
    base = clash + 1 + size > HIGH ? LOW : clash + 1;
  }
  throw new Error(`no block of ${size} free ports found between ${LOW} and ${HIGH} after ${attempts} tries`);
}
