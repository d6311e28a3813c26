/**
 * The dataset's proportions at scale 1 (the real size) and how scale maps to row counts.
 * Real-size facts (SYSTEM.md): ~600 000 transactions and ~1.2 million item rows a month over
 * 24 months (~14 M / ~28 M rows, ~3 GB), hundreds of thousands of customers, about 300 000
 * units of the best-selling item a month.
 */
import { monthsFrom, type Month } from './months.js';

/** The 24 normal months, 2023-07 .. 2025-06. */
export const NORMAL_MONTHS: readonly Month[] = monthsFrom(2023, 7, 24);

export const TX_PER_MONTH_AT_SCALE_1 = 600_000;
export const USERS_AT_SCALE_1 = 500_000;
/** Users never drop below this, so tiny datasets still have customers to rank. */
export const MIN_USERS = 300;

/** Share of transactions without a user (guest purchases). */
export const GUEST_SHARE = 0.12;
/** Share of member purchases made by the "regulars" (the first REGULAR_SHARE_OF_USERS of users). */
export const REGULAR_PURCHASE_SHARE = 0.2;
export const REGULAR_SHARE_OF_USERS = 0.02;
export const MIN_REGULARS = 30;
/** Exponent skewing purchases towards the first regulars (u^k): per-store top customers are clear. */
export const REGULAR_SKEW = 1.25;
/** Share of a member's purchases made at their home store. */
export const HOME_STORE_SHARE = 0.85;
/** Share of transactions that use a voucher. */
export const VOUCHER_SHARE = 0.12;
/** Share of users registered in the first month (the customer base when the data starts). */
export const FIRST_MONTH_USER_SHARE = 0.15;

/** Item rows per transaction: 1, 2 or 3 distinct items (mean ~2). */
export const ROWS_PER_TX_WEIGHTS = [0.3, 0.4, 0.3];
/** Quantity per item row: 1, 2 or 3 (mean ~1.8). */
export const QUANTITY_WEIGHTS = [0.45, 0.3, 0.25];
/**
 * Group orders (three items, mostly 2–3 of each): they make the few % of transactions with
 * final_amount >= 75 that Q1 selects.
 */
export const GROUP_ORDER_SHARE = 0.05;
export const GROUP_QUANTITY_WEIGHTS = [0.1, 0.35, 0.55];

/**
 * Weight of each hour of the day: business hours dominate, with a thin tail at night (the hour
 * window 06:00–23:00 of Q1/Q3 then excludes a small but real share).
 */
export const HOUR_WEIGHTS = [
  0.3,
  0.2,
  0.15,
  0.1,
  0.15,
  0.4, // 00–05
  3,
  6,
  8,
  7,
  6,
  6,
  8,
  8,
  6,
  5.5,
  6,
  7,
  7,
  6,
  5,
  4,
  3, // 06–22
  1.2, // 23
];

/** Weekend days are busier. */
export const WEEKDAY_WEIGHTS = [1, 1, 1, 1.05, 1.15, 1.3, 1.25];

/** Relative volume of normal month i (0 = 2023-07): steady growth, a December peak. */
export function monthVolumeFactor(i: number): number {
  const m = NORMAL_MONTHS[i];
  const growth = 0.88 + (0.24 * i) / 23;
  return growth * (m.month === 12 ? 1.08 : m.month === 2 ? 0.94 : 1);
}

/** Transactions of normal month i at `scale` (at least one). */
export function transactionsInMonth(scale: number, i: number): number {
  return Math.max(1, Math.round(TX_PER_MONTH_AT_SCALE_1 * scale * monthVolumeFactor(i)));
}

export function userCount(scale: number): number {
  return Math.max(MIN_USERS, Math.round(USERS_AT_SCALE_1 * scale));
}

export function regularCount(users: number): number {
  return Math.max(MIN_REGULARS, Math.round(users * REGULAR_SHARE_OF_USERS));
}
