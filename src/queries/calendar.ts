/**
 * The query calendar as epoch-second boundaries, so the hot loops compare integers instead
 * of building dates. Timestamps are naive `YYYY-MM-DD HH:MM:SS`, encoded as if UTC.
 */
const at = (y: number, m: number): number => Date.UTC(y, m - 1, 1) / 1000;

/** First and last years that count (2024–2025). */
export const FIRST_YEAR = 2024;
export const LAST_YEAR = 2025;
export const RANGE_START = at(FIRST_YEAR, 1);
export const RANGE_END = at(LAST_YEAR + 1, 1); // exclusive

/** Hour window 06:00:00–23:00:00, both ends included, in seconds of the day. */
export const WINDOW_FROM = 6 * 3600;
export const WINDOW_TO = 23 * 3600;

/** Q1 threshold: final_amount >= 75.00. */
export const Q1_MIN_CENTS = 7500;

const MONTH_STARTS: number[] = [];
const MONTH_KEYS: number[] = [];
for (let y = FIRST_YEAR; y <= LAST_YEAR; y++) {
  for (let m = 1; m <= 12; m++) {
    MONTH_STARTS.push(at(y, m));
    MONTH_KEYS.push(y * 100 + m);
  }
}

export function inRange(ts: number): boolean {
  return ts >= RANGE_START && ts < RANGE_END;
}

export function inHourWindow(ts: number): boolean {
  const sod = ts % 86400;
  return sod >= WINDOW_FROM && sod <= WINDOW_TO;
}

/** `yyyymm` of an in-range timestamp (binary search over the 24 month starts). */
export function monthKey(ts: number): number {
  let lo = 0;
  let hi = MONTH_STARTS.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (MONTH_STARTS[mid] <= ts) lo = mid;
    else hi = mid - 1;
  }
  return MONTH_KEYS[lo];
}

/** `yyyyh` (h = 1 for January–June, 2 for July–December) of an in-range timestamp. */
export function halfKey(ts: number): number {
  const mk = monthKey(ts);
  const y = Math.floor(mk / 100);
  return y * 10 + (mk % 100 <= 6 ? 1 : 2);
}

export function monthLabel(mk: number): string {
  return `${Math.floor(mk / 100)}-${String(mk % 100).padStart(2, '0')}`;
}

export function halfLabel(hk: number): string {
  return `${Math.floor(hk / 10)}-H${hk % 10}`;
}
