import { epochFromCivil, SECONDS_PER_DAY } from './civil-time.js';

/**
 * The query rules of SYSTEM.md, written once for the workers, the reference and the generator:
 * which rows count (year period, hour window, Q1 threshold), how many winners (Q4 top 3), how
 * ties break, and the month/half-year keys and labels of the reports. Timestamps are naive
 * `YYYY-MM-DD HH:MM:SS` read as UTC epoch seconds, so the hot loops compare integers.
 */

/** First and last calendar years that count (2024–2025, both included). */
export const FIRST_QUERY_YEAR = 2024;
export const LAST_QUERY_YEAR = 2025;
/** The query period in epoch seconds: [QUERY_PERIOD_START, QUERY_PERIOD_END). */
export const QUERY_PERIOD_START = epochFromCivil(FIRST_QUERY_YEAR, 1, 1, 0, 0, 0);
export const QUERY_PERIOD_END = epochFromCivil(LAST_QUERY_YEAR + 1, 1, 1, 0, 0, 0);

/** Hour window 06:00:00–23:00:00, both ends included, in seconds since midnight. */
export const HOUR_WINDOW_FIRST_SECOND = 6 * 3600;
export const HOUR_WINDOW_LAST_SECOND = 23 * 3600;

/** Q1: final_amount >= 75.00, in cents. */
export const Q1_MIN_FINAL_AMOUNT_CENTS = 7500;
/** Q4: customers kept per store. */
export const Q4_TOP_CUSTOMERS = 3;

/** Whether a timestamp falls in the query years. */
export function inQueryPeriod(ts: number): boolean {
  return ts >= QUERY_PERIOD_START && ts < QUERY_PERIOD_END;
}

/** Whether a timestamp's time of day falls in the hour window. */
export function inHourWindow(ts: number): boolean {
  const sod = ts % SECONDS_PER_DAY;
  return sod >= HOUR_WINDOW_FIRST_SECOND && sod <= HOUR_WINDOW_LAST_SECOND;
}

/** Q2 tie rule: does (item, value) beat the current best? Larger value, then smaller item_id. */
export function q2Beats(item: number, value: number, bestItem: number, bestValue: number): boolean {
  return value > bestValue || (value === bestValue && item < bestItem);
}

/** Q4 order: does (user, purchases) rank before (otherUser, otherPurchases)? More purchases, then smaller user_id. */
export function q4RanksBefore(user: number, purchases: number, otherUser: number, otherPurchases: number): boolean {
  return purchases > otherPurchases || (purchases === otherPurchases && user < otherUser);
}

/** Month and half-year key of each day of the query period: one lookup per row in the filters. */
const PERIOD_DAYS = Math.round((QUERY_PERIOD_END - QUERY_PERIOD_START) / SECONDS_PER_DAY);
const MONTH_OF_DAY = new Int32Array(PERIOD_DAYS);
const HALF_OF_DAY = new Int32Array(PERIOD_DAYS);
for (let y = FIRST_QUERY_YEAR; y <= LAST_QUERY_YEAR; y++) {
  for (let m = 1; m <= 12; m++) {
    const from = Math.round((epochFromCivil(y, m, 1, 0, 0, 0) - QUERY_PERIOD_START) / SECONDS_PER_DAY);
    MONTH_OF_DAY.fill(y * 100 + m, from);
    HALF_OF_DAY.fill(halfKeyOf(y, m), from);
  }
}

/** The day of the query period `ts` falls on (clamped to its first and last day). */
function periodDay(ts: number): number {
  const d = Math.floor((ts - QUERY_PERIOD_START) / SECONDS_PER_DAY);
  return d < 0 ? 0 : d >= PERIOD_DAYS ? PERIOD_DAYS - 1 : d;
}

/** Month key `yyyymm` of a timestamp in the query period. */
export function monthKey(ts: number): number {
  return MONTH_OF_DAY[periodDay(ts)];
}

/** Half-year key `yyyyh` (h = 1 for January–June, 2 for July–December) of a timestamp in the query period. */
export function halfKey(ts: number): number {
  return HALF_OF_DAY[periodDay(ts)];
}

/** Half years of the query period, numbered 0.. in time order (halfIndex). */
export const HALVES = (LAST_QUERY_YEAR - FIRST_QUERY_YEAR + 1) * 2;
const HALF_INDEX_OF_DAY = new Int32Array(PERIOD_DAYS);
for (let d = 0; d < PERIOD_DAYS; d++) HALF_INDEX_OF_DAY[d] = halfIndexOfKey(HALF_OF_DAY[d]);

function halfIndexOfKey(hk: number): number {
  return (Math.floor(hk / 10) - FIRST_QUERY_YEAR) * 2 + (hk % 10) - 1;
}

/** The half year of a timestamp in the query period as 0..HALVES-1 (a dense index for typed arrays). */
export function halfIndex(ts: number): number {
  return HALF_INDEX_OF_DAY[periodDay(ts)];
}

/** The half-year key `yyyyh` of a half index (the inverse of halfIndex over halfKey). */
export function halfKeyAt(index: number): number {
  return halfKeyOf(FIRST_QUERY_YEAR + (index >> 1), (index & 1) === 0 ? 1 : 7);
}

/** Half-year key of a year and month 1..12. */
export function halfKeyOf(year: number, month: number): number {
  return year * 10 + (month <= 6 ? 1 : 2);
}

/** `YYYY-MM` of a month key. */
export function monthLabel(mk: number): string {
  return `${Math.floor(mk / 100)}-${String(mk % 100).padStart(2, '0')}`;
}

/** `YYYY-H1` / `YYYY-H2` of a half-year key. */
export function halfLabel(hk: number): string {
  return `${Math.floor(hk / 10)}-H${hk % 10}`;
}
