/**
 * Value and CSV formatting in the real dataset's style: amounts as the source system's floats
 * (`38.0`, `4.5`, `12.25`: at most two decimals), user ids in transactions as `140170.0`,
 * RFC 4180 quoting only where a field needs it.
 */
import { PAD2 } from './months.js';

/** Integer cents (>= 0) as the dataset writes money: `38.0`, `38.5`, `38.25`. */
export function formatAmount(cents: number): string {
  const whole = Math.floor(cents / 100);
  const frac = cents - whole * 100;
  if (frac === 0) return `${whole}.0`;
  if (frac % 10 === 0) return `${whole}.${frac / 10}`;
  return `${whole}.${PAD2[frac]}`;
}

/** A user id as transactions write it (float-formatted). */
export function formatTxUserId(userId: number): string {
  return `${userId}.0`;
}

const NEEDS_QUOTES = /[",\r\n]/;

/** RFC 4180: quote a field containing a comma, a quote or a line break; double inner quotes. */
export function quoteField(value: string): string {
  return NEEDS_QUOTES.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** Quote every field, needed or not (RFC 4180 allows it; real exports sometimes do it). */
export function quoteAlways(value: string): string {
  return `"${value.replace(/"/g, '""')}"`;
}

/** One CSV record with its line ending. */
export function csvRecord(fields: readonly string[], eol: string, quote: (v: string) => string = quoteField): string {
  return fields.map(quote).join(',') + eol;
}
