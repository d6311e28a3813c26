import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InactivityWatch } from './inactivity.js';
import type { CoffeeError } from '../node/errors.js';

/** A watch on a hand-driven clock: `at(ms)` moves time and runs one check. */
function watch(timeoutMs: number, waiting: { what: string | null }) {
  let now = 0;
  const fired: CoffeeError[] = [];
  const w = new InactivityWatch(
    timeoutMs,
    () => waiting.what,
    (e) => fired.push(e),
    () => now,
  );
  return {
    fired,
    touch: () => w.touch(),
    at: (ms: number) => {
      now = ms;
      w.check();
    },
  };
}

test('fires once the run has waited on a gateway longer than the timeout since the last frame', () => {
  const waiting = { what: 'the reports' as string | null };
  const w = watch(1000, waiting);
  w.at(900);
  assert.equal(w.fired.length, 0);
  w.touch(); // a frame (e.g. KEEPALIVE) at 900
  w.at(1800);
  assert.equal(w.fired.length, 0, 'counted from the last frame');
  w.at(1900);
  assert.equal(w.fired.length, 1);
  assert.equal(w.fired[0].code, 'ERR_CLIENT_TIMEOUT');
  assert.match(w.fired[0].message, /for 1 s while waiting for the reports/);
});

test('time the client spends on its own work (waiting on no gateway) never counts', () => {
  const waiting = { what: null as string | null };
  const w = watch(1000, waiting);
  w.at(60_000); // a minute reading a huge CSV file with nothing in flight
  waiting.what = 'the acknowledgement of 1 batch(es)';
  w.at(60_500);
  assert.equal(w.fired.length, 0, 'the clock started when the client started waiting');
  w.at(61_100);
  assert.equal(w.fired.length, 1);
});
