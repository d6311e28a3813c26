import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  inQueryPeriod,
  inHourWindow,
  monthKey,
  halfKey,
  halfIndex,
  halfKeyAt,
  HALVES,
  monthLabel,
  halfLabel,
  q2Beats,
  q4RanksBefore,
  QUERY_PERIOD_START,
  QUERY_PERIOD_END,
} from './rules.js';

const ts = (s: string): number => Date.parse(`${s.replace(' ', 'T')}Z`) / 1000;

test('query period constants', () => {
  assert.equal(QUERY_PERIOD_START, Date.UTC(2024, 0, 1) / 1000);
  assert.equal(QUERY_PERIOD_END, Date.UTC(2026, 0, 1) / 1000);
});

test('year range includes 2024-01-01 00:00:00 and 2025-12-31 23:59:59 only', () => {
  assert.equal(inQueryPeriod(ts('2023-12-31 23:59:59')), false);
  assert.equal(inQueryPeriod(ts('2024-01-01 00:00:00')), true);
  assert.equal(inQueryPeriod(ts('2025-12-31 23:59:59')), true);
  assert.equal(inQueryPeriod(ts('2026-01-01 00:00:00')), false);
});

test('hour window is 06:00:00..23:00:00 inclusive', () => {
  assert.equal(inHourWindow(ts('2024-05-05 05:59:59')), false);
  assert.equal(inHourWindow(ts('2024-05-05 06:00:00')), true);
  assert.equal(inHourWindow(ts('2024-05-05 23:00:00')), true);
  assert.equal(inHourWindow(ts('2024-05-05 23:00:01')), false);
});

test('month and half keys at their boundaries', () => {
  assert.equal(monthKey(ts('2024-01-01 00:00:00')), 202401);
  assert.equal(monthKey(ts('2024-02-29 23:59:59')), 202402);
  assert.equal(monthKey(ts('2024-03-01 00:00:00')), 202403);
  assert.equal(monthKey(ts('2025-12-31 23:59:59')), 202512);
  assert.equal(halfKey(ts('2024-06-30 23:59:59')), 20241);
  assert.equal(halfKey(ts('2024-07-01 00:00:00')), 20242);
  assert.equal(monthLabel(202407), '2024-07');
  assert.equal(halfLabel(20252), '2025-H2');
});

test('tie rules: larger value then smaller id wins', () => {
  assert.equal(q2Beats(5, 8, 7, 8), true);
  assert.equal(q2Beats(7, 8, 5, 8), false);
  assert.equal(q2Beats(9, 9, 1, 8), true);
  assert.equal(q4RanksBefore(3, 4, 1, 3), true);
  assert.equal(q4RanksBefore(3, 4, 1, 4), false);
});

test('monthKey and halfKey agree with the calendar at every hour of the period, clamped outside it', () => {
  const first = QUERY_PERIOD_START - 2 * 86400;
  const last = QUERY_PERIOD_END + 2 * 86400;
  for (let t = first; t < last; t += 3600) {
    const at = Math.min(Math.max(t, QUERY_PERIOD_START), QUERY_PERIOD_END - 1);
    const d = new Date(at * 1000);
    const y = d.getUTCFullYear();
    const m = d.getUTCMonth() + 1;
    assert.equal(monthKey(t), y * 100 + m, `monthKey at ${t}`);
    assert.equal(halfKey(t), y * 10 + (m <= 6 ? 1 : 2), `halfKey at ${t}`);
    // The last second of each hour too: a day boundary must not round the wrong way.
    const end = Math.min(Math.max(t + 3599, QUERY_PERIOD_START), QUERY_PERIOD_END - 1);
    const e = new Date(end * 1000);
    assert.equal(monthKey(t + 3599), e.getUTCFullYear() * 100 + e.getUTCMonth() + 1);
  }
});

test('half index: dense 0..HALVES-1 in time order, and halfKeyAt inverts it on every day of the period', () => {
  const seen = new Set<number>();
  let last = -1;
  for (let t = QUERY_PERIOD_START; t < QUERY_PERIOD_END; t += 86_400) {
    for (const at of [t, t + 86_399]) {
      const i = halfIndex(at);
      assert.ok(i >= 0 && i < HALVES && i >= last, `${at}: ${i}`);
      assert.equal(halfKeyAt(i), halfKey(at));
      last = i;
      seen.add(i);
    }
  }
  assert.equal(seen.size, HALVES);
  assert.deepEqual([halfIndex(ts('2024-06-30 23:59:59')), halfIndex(ts('2024-07-01 00:00:00'))], [0, 1]);
});
