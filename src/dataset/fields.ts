import { daysFromCivil, daysInMonth } from '../queries/civil-time.js';

/**
 * Field parsers straight from bytes (no strings on the numeric hot path). Each returns the
 * value, or NaN on failure with the reason left in `fieldError()` ('not an integer',
 * 'out of range', ...). SYSTEM.md's rules:
 *   ints: [-]digits, optionally '.' + zeros ('3.0', '140170.0');
 *   amounts: [-]digits['.'digits], at most 2 significant decimals (more only if zeros) -> cents;
 *   timestamps: exactly 'YYYY-MM-DD HH:MM:SS', a real date, years 1970..2105 -> epoch s (UTC).
 */
const MINUS = 0x2d;
const DOT = 0x2e;
const ZERO = 0x30;

export const INT32_MIN = -2147483648;
export const INT32_MAX = 2147483647;

let lastError = '';

/** Why the last parse returned NaN. */
export function fieldError(): string {
  return lastError;
}

function fail(reason: string): number {
  lastError = reason;
  return NaN;
}

/** Integer (optionally written as a float with zero fraction) within [min, max]. */
export function parseIntBytes(buf: Uint8Array, s: number, e: number, min: number, max: number): number {
  let i = s;
  let neg = false;
  if (i < e && buf[i] === MINUS) {
    neg = true;
    i++;
  }
  const ds = i;
  let v = 0;
  while (i < e) {
    const d = buf[i] - ZERO;
    if (d < 0 || d > 9) break;
    if (v < 1e12) v = v * 10 + d; // beyond this it is out of range anyway; keep it exact-ish
    i++;
  }
  if (i === ds) return fail('not an integer');
  if (i < e) {
    if (buf[i] !== DOT || i + 1 === e) return fail('not an integer');
    for (i++; i < e; i++) if (buf[i] !== ZERO) return fail('not an integer');
  }
  if (neg) v = 0 - v;
  if (v < min || v > max) return fail('out of range');
  return v;
}

/** Money amount to integer cents (int32). */
export function parseCentsBytes(buf: Uint8Array, s: number, e: number): number {
  let i = s;
  let neg = false;
  if (i < e && buf[i] === MINUS) {
    neg = true;
    i++;
  }
  const ds = i;
  let v = 0;
  while (i < e) {
    const d = buf[i] - ZERO;
    if (d < 0 || d > 9) break;
    if (v < 1e12) v = v * 10 + d;
    i++;
  }
  if (i === ds) return fail('not a number');
  let frac = 0;
  if (i < e) {
    if (buf[i] !== DOT || i + 1 === e) return fail('not a number');
    i++;
    let k = 0;
    for (; i < e; i++, k++) {
      const d = buf[i] - ZERO;
      if (d < 0 || d > 9) return fail('not a number');
      if (k < 2) frac = frac * 10 + d;
      else if (d !== 0) return fail('more than 2 decimals');
    }
    if (k === 1) frac *= 10;
  }
  v = v * 100 + frac;
  if (neg) v = 0 - v;
  if (v < INT32_MIN || v > INT32_MAX) return fail('out of range');
  return v;
}

const MIN_YEAR = 1970;
const MAX_YEAR = 2105;
/** Days since the epoch of the 1st of each month of MIN_YEAR..MAX_YEAR (avoids the civil arithmetic per row). */
const MONTH_START_DAYS = new Int32Array((MAX_YEAR - MIN_YEAR + 1) * 12);
for (let y = MIN_YEAR; y <= MAX_YEAR; y++)
  for (let m = 1; m <= 12; m++) MONTH_START_DAYS[(y - MIN_YEAR) * 12 + m - 1] = daysFromCivil(y, m, 1);
const MONTH_DAYS = new Uint8Array((MAX_YEAR - MIN_YEAR + 1) * 12);
for (let y = MIN_YEAR; y <= MAX_YEAR; y++) for (let m = 1; m <= 12; m++) MONTH_DAYS[(y - MIN_YEAR) * 12 + m - 1] = daysInMonth(y, m);

function d2(buf: Uint8Array, i: number): number {
  const a = buf[i] - ZERO;
  const b = buf[i + 1] - ZERO;
  if (a < 0 || a > 9 || b < 0 || b > 9) return -1;
  return a * 10 + b;
}

/** 'YYYY-MM-DD HH:MM:SS' to epoch seconds (naive, read as UTC). */
export function parseTimestampBytes(buf: Uint8Array, s: number, e: number): number {
  if (e - s !== 19) return fail('not a timestamp (YYYY-MM-DD HH:MM:SS)');
  if (buf[s + 4] !== MINUS || buf[s + 7] !== MINUS || buf[s + 10] !== 0x20 || buf[s + 13] !== 0x3a || buf[s + 16] !== 0x3a) {
    return fail('not a timestamp (YYYY-MM-DD HH:MM:SS)');
  }
  const y1 = d2(buf, s);
  const y2 = d2(buf, s + 2);
  const mo = d2(buf, s + 5);
  const d = d2(buf, s + 8);
  const hh = d2(buf, s + 11);
  const mi = d2(buf, s + 14);
  const ss = d2(buf, s + 17);
  if (y1 < 0 || y2 < 0 || mo < 0 || d < 0 || hh < 0 || mi < 0 || ss < 0) return fail('not a timestamp (YYYY-MM-DD HH:MM:SS)');
  const y = y1 * 100 + y2;
  if (y < MIN_YEAR || y > MAX_YEAR) return fail('year out of range (1970..2105)');
  if (mo < 1 || mo > 12) return fail('invalid date');
  const ym = (y - MIN_YEAR) * 12 + mo - 1;
  if (d < 1 || d > MONTH_DAYS[ym]) return fail('invalid date');
  if (hh > 23 || mi > 59 || ss > 59) return fail('invalid time');
  return (MONTH_START_DAYS[ym] + d - 1) * 86400 + hh * 3600 + mi * 60 + ss;
}
