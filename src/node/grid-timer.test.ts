import { test } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { once } from 'node:events';
import { everyOnGrid, firstGridTarget, nextGridTarget } from './grid-timer.js';
import { HeartbeatSender } from './heartbeat/sender.js';

test('grid timer: the first call is at least one period away (never sooner than an interval timer), on the grid', () => {
  assert.equal(firstGridTarget(1000, 200), 1200); // started on the grid: one period
  assert.equal(firstGridTarget(1001, 200), 1400); // just after a step: the next step is too close
  assert.equal(firstGridTarget(1199, 200), 1400); // just before a step: not at once
  assert.equal(firstGridTarget(1100, 1000), 3000);
});

test('grid timer: the next target is the following step, or the first step after now when a whole period was missed', () => {
  assert.equal(nextGridTarget(1000, 1001, 200), 1200); // on time
  assert.equal(nextGridTarget(1000, 999, 200), 1200); // fired a little early by the wall clock: not again at 1000
  assert.equal(nextGridTarget(1000, 1199, 200), 1200); // late, within the period
  assert.equal(nextGridTarget(1000, 1200, 200), 1400); // exactly one period late: the next step, never now
  assert.equal(nextGridTarget(1000, 1777, 200), 1800); // blocked for several periods: back on the grid, no burst
});

/**
 * Resolves once the wall clock is between `from` and `from + 10` ms past a multiple of
 * `everyMs` (bounded: gives up after 20 periods). A timer started there by `setInterval` would
 * run at that phase ever after; one on the grid runs near phase 0.
 */
async function atPhase(everyMs: number, from: number): Promise<void> {
  const deadline = Date.now() + 20 * everyMs;
  while (Date.now() < deadline) {
    const phase = Date.now() % everyMs;
    if (phase >= from && phase < from + 10) return;
    await new Promise((r) => setImmediate(r));
  }
  throw new Error(`the clock never reached phase ${from} of ${everyMs} ms`);
}

/** Most of `times` (at least half) fall within `slack` ms after a multiple of `everyMs`. */
function mostlyOnGrid(times: number[], everyMs: number, slack: number): void {
  const on = times.filter((t) => t % everyMs < slack).length;
  assert.ok(
    on * 2 >= times.length,
    `only ${on} of ${times.length} calls within ${slack} ms of the grid: phases ${times.map((t) => t % everyMs).join(', ')}`,
  );
}

/** Calls of `everyOnGrid(fn, everyMs)` until `n` were seen: their wall-clock times. */
async function gridCalls(everyMs: number, n: number): Promise<number[]> {
  const at: number[] = [];
  let done!: () => void;
  const finished = new Promise<void>((r) => (done = r));
  const keepAlive = setTimeout(() => undefined, 10_000); // the grid timer is unref'd
  const timer = everyOnGrid(() => {
    at.push(Date.now());
    if (at.length === n) done();
  }, everyMs);
  try {
    await finished;
  } finally {
    timer.stop();
    clearTimeout(keepAlive);
  }
  return at;
}

test('grid timer: calls fall on multiples of the period on the wall clock (not at the phase it was started at), one per step', async () => {
  // Started half a period off the grid: an interval timer would run at phase 50-60 every time.
  await atPhase(100, 50);
  const at = await gridCalls(100, 6);
  mostlyOnGrid(at, 100, 25);
  // One call per step: distinct steps, increasing.
  const steps = at.map((t) => Math.floor(t / 100));
  for (let i = 1; i < steps.length; i++) assert.ok(steps[i] > steps[i - 1], `steps ${steps.join(',')} repeat or go back`);
});

test('grid timer: stop() ends the calls', async () => {
  let calls = 0;
  const keepAlive = setTimeout(() => undefined, 10_000);
  let second!: () => void;
  const twice = new Promise<void>((r) => (second = r));
  const timer = everyOnGrid(() => {
    if (++calls === 2) second();
  }, 20);
  try {
    await twice;
    timer.stop();
    // Three more periods, measured by a timer of the same clock: a stopped grid timer never calls again.
    await new Promise((r) => setTimeout(r, 60));
    assert.equal(calls, 2);
  } finally {
    timer.stop();
    clearTimeout(keepAlive);
  }
});

test('grid timer: rejects a period below 1 ms', () => {
  assert.throws(() => everyOnGrid(() => undefined, 0), RangeError);
  assert.throws(() => everyOnGrid(() => undefined, Number.NaN), RangeError);
});

test('heartbeat sender: beats once at start, then on the grid of its interval (every node the same phase)', async () => {
  const rx = dgram.createSocket('udp4');
  rx.bind(0, '127.0.0.1');
  await once(rx, 'listening');
  const { port } = rx.address();
  const at: number[] = [];
  const six = new Promise<void>((resolve) =>
    rx.on('message', () => {
      at.push(Date.now());
      if (at.length === 6) resolve();
    }),
  );
  await atPhase(60, 30);
  const sender = new HeartbeatSender({
    id: 'q2-agg-0',
    kind: 'q2-agg',
    targets: [{ host: '127.0.0.1', port }],
    intervalMs: 60,
    secret: Buffer.alloc(32, 7),
  });
  const keepAlive = setTimeout(() => undefined, 10_000);
  try {
    sender.start();
    await six;
  } finally {
    sender.stop();
    rx.close();
    clearTimeout(keepAlive);
  }
  // The first beat goes at start (phase 30-40 here); the later ones on multiples of 60 ms.
  mostlyOnGrid(at.slice(1), 60, 20);
});
