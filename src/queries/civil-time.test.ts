import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  epochFromCivil,
  monthIndexOf,
  monthOf,
  secondsOfDay,
  yearHalfString,
  yearMonthString,
  yearOf,
  civilFromDays,
  daysFromCivil,
} from './civil-time.js';

test('year / month / seconds-of-day agree with Date on boundaries and a sweep', () => {
  const points = [
    '1970-01-01T00:00:00Z',
    '2023-12-31T23:59:59Z',
    '2024-01-01T00:00:00Z',
    '2024-02-29T12:00:00Z',
    '2024-03-01T00:00:00Z',
    '2024-06-30T23:59:59Z',
    '2024-07-01T00:00:00Z',
    '2025-12-31T23:59:59Z',
    '2026-01-01T00:00:00Z',
    '2100-02-28T23:59:59Z',
    '2100-03-01T00:00:00Z',
    '2105-12-31T23:59:59Z',
  ];
  for (const p of points) {
    const d = new Date(p);
    const e = d.getTime() / 1000;
    assert.equal(yearOf(e), d.getUTCFullYear(), p);
    assert.equal(monthOf(e), d.getUTCMonth() + 1, p);
    assert.equal(secondsOfDay(e), d.getUTCHours() * 3600 + d.getUTCMinutes() * 60 + d.getUTCSeconds(), p);
    assert.equal(yearMonthString(e), p.slice(0, 7), p);
    assert.equal(
      epochFromCivil(d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate(), d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds()),
      e,
      p,
    );
  }
  for (let e = 0; e < 4.3e9; e += 86400 * 13 + 3607) {
    const d = new Date(e * 1000);
    assert.equal(yearOf(e), d.getUTCFullYear());
    assert.equal(monthOf(e), d.getUTCMonth() + 1);
    assert.equal(monthIndexOf(e), d.getUTCFullYear() * 12 + d.getUTCMonth());
  }
});

test('civilFromDays inverts daysFromCivil, and halves', () => {
  for (let d = -800; d < 40000; d += 13) assert.equal(daysFromCivil(...civilFromDays(d)), d);
  assert.deepEqual(civilFromDays(daysFromCivil(2024, 2, 29)), [2024, 2, 29]);
  assert.equal(yearHalfString(Date.UTC(2024, 5, 30, 23, 59, 59) / 1000), '2024-H1');
  assert.equal(yearHalfString(Date.UTC(2024, 6, 1) / 1000), '2024-H2');
});
