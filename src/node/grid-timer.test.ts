import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { once } from 'node:events';
import { everyOnGrid, firstGridTarget, nextGridTarget } from './grid-timer.js';
import { HeartbeatSender } from './heartbeat/sender.js';
import { ReplayGuard } from './heartbeat/auth.js';
import { decodeHeartbeat } from './heartbeat/message.js';

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
 * Moves the mocked clock on by `ms`, one millisecond at a time: MockTimers' tick(n) on Node 20
 * runs every timer due within n at the end time, so a timer re-armed from its callback would
 * read the wrong `Date.now()`.
 */
function advance(timers: MockTimers, ms: number): void {
  for (let i = 0; i < ms; i++) timers.tick(1);
}

type MockTimers = TestContext['mock']['timers'];

test('grid timer: calls fall on multiples of the period on the wall clock (not at the phase it was started at), one per step', (t) => {
  // Started half a period off the grid: an interval timer would run at phase 50 every time.
  t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 100_050 });
  const at: number[] = [];
  const timer = everyOnGrid(() => at.push(Date.now()), 100);
  try {
    advance(t.mock.timers, 750);
  } finally {
    timer.stop();
  }
  assert.deepEqual(at, [100_200, 100_300, 100_400, 100_500, 100_600, 100_700, 100_800]);
});

test('grid timer: a wake-up early by the wall clock waits for its instant (never two calls in one step)', (t) => {
  // Node's timers run on the monotonic clock; Date.now() may read a millisecond behind when one fires.
  t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 1_000 });
  let lag = 0;
  const wall = (): number => Date.now() - lag;
  const at: number[] = [];
  const timer = everyOnGrid(() => at.push(wall()), 100, wall);
  try {
    lag = 1;
    advance(t.mock.timers, 100); // the timer for 1100 fires while the wall clock reads 1099
    assert.deepEqual(at, [], 'called before its instant by the wall clock');
    advance(t.mock.timers, 1);
    assert.deepEqual(at, [1_100]);
  } finally {
    timer.stop();
  }
});

test('grid timer: under a jittery wall clock (late by up to most of a period, early by a few ms) every call is at or after its step, one per step', (t) => {
  t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 5_037 });
  // A fixed pseudo-random walk of the wall clock against the timers' clock: from 3 ms behind to 90 ms ahead.
  let seed = 7;
  let lag = 0;
  const wall = (): number => Date.now() - lag;
  const at: number[] = [];
  const timer = everyOnGrid(() => at.push(wall()), 100, wall);
  try {
    for (let ms = 0; ms < 5_000; ms++) {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      if (ms % 37 === 0) lag = (seed % 94) - 90;
      t.mock.timers.tick(1);
    }
  } finally {
    timer.stop();
  }
  assert.ok(at.length >= 30, `only ${at.length} calls in 5 s at 100 ms`);
  const steps = at.map((ms) => Math.floor(ms / 100));
  for (let i = 1; i < steps.length; i++) assert.ok(steps[i] > steps[i - 1], `steps ${steps.join(',')} repeat or go back`);
});

test('grid timer: stop() ends the calls', (t) => {
  t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 0 });
  let calls = 0;
  const timer = everyOnGrid(() => calls++, 20);
  advance(t.mock.timers, 50); // calls at 20 and 40
  assert.equal(calls, 2);
  timer.stop();
  advance(t.mock.timers, 100);
  assert.equal(calls, 2, 'a stopped grid timer called again');
});

test('grid timer: rejects a period below 1 ms', () => {
  assert.throws(() => everyOnGrid(() => undefined, 0), RangeError);
  assert.throws(() => everyOnGrid(() => undefined, Number.NaN), RangeError);
});

test('heartbeat sender: beats once at start, then on the grid of its interval (every node the same phase)', async (t) => {
  const rx = dgram.createSocket('udp4');
  rx.bind(0, '127.0.0.1');
  await once(rx, 'listening');
  const { port } = rx.address();
  const secret = Buffer.alloc(32, 7);
  const guard = new ReplayGuard(10_000, 8, () => Date.now()); // the mocked clock, read at each datagram
  const sentAt: (number | null)[] = [];
  const six = new Promise<void>((resolve) =>
    rx.on('message', (buf: Buffer) => {
      // The sender's clock is inside the signed datagram: the mocked wall clock at the beat.
      sentAt.push(decodeHeartbeat(secret, buf, guard)?.ts ?? null);
      if (sentAt.length === 6) resolve();
    }),
  );
  // Started at phase 30 of 60 (mocked timers; the datagrams themselves are real).
  t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 60_030 });
  const sender = new HeartbeatSender({ id: 'q2-agg-0', kind: 'q2-agg', targets: [{ host: '127.0.0.1', port }], intervalMs: 60, secret });
  try {
    sender.start();
    advance(t.mock.timers, 5 * 60 + 30);
    await six;
  } finally {
    sender.stop();
    rx.close();
  }
  // firstGridTarget(60_030, 60) = 60_120: the first grid beat is at least a period after start.
  assert.deepEqual(sentAt, [60_030, 60_120, 60_180, 60_240, 60_300, 60_360]);
});
