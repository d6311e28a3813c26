/**
 * Date and timestamp text for the generated files, without Date objects: dates are days since
 * 1970-01-01 (the arithmetic is `queries/civil-time.ts`), timestamps are strings built from
 * cached pieces. Creating a Date per row would dominate the generator's run time.
 */
import { civilFromDays, daysFromCivil, daysInMonth } from '../../queries/civil-time.js';

/** "00".."99". */
export const PAD2: readonly string[] = Array.from({ length: 100 }, (_, i) => String(i).padStart(2, '0'));

/** `YYYY-MM-DD` of a day number (years 1000..9999). */
export function dateString(days: number): string {
  const [y, m, d] = civilFromDays(days);
  return `${y}-${PAD2[m]}-${PAD2[d]}`;
}

/** `YYYY-MM-DD HH:MM:SS` of a day number plus seconds into that day. */
export function timestampString(days: number, secondOfDay: number): string {
  const h = Math.floor(secondOfDay / 3600);
  const mi = Math.floor((secondOfDay % 3600) / 60);
  const s = secondOfDay % 60;
  return `${dateString(days)} ${PAD2[h]}:${PAD2[mi]}:${PAD2[s]}`;
}

export interface Month {
  year: number;
  month: number;
  /** `YYYYMM`, as in the monthly file names. */
  key: string;
  /** Day number of the 1st. */
  firstDay: number;
  days: number;
  /** `YYYY-MM-DD ` (with the trailing space) for each day of the month: timestamp prefixes. */
  dayPrefixes: string[];
  /** 0 = Monday .. 6 = Sunday, for each day of the month. */
  weekdays: number[];
}

export function monthOf(year: number, month: number): Month {
  const firstDay = daysFromCivil(year, month, 1);
  const days = daysInMonth(year, month);
  const dayPrefixes: string[] = [];
  const weekdays: number[] = [];
  for (let d = 0; d < days; d++) {
    dayPrefixes.push(`${year}-${PAD2[month]}-${PAD2[d + 1]} `);
    // 1970-01-01 was a Thursday (3 when Monday is 0).
    weekdays.push((((firstDay + d + 3) % 7) + 7) % 7);
  }
  return { year, month, key: `${year}${PAD2[month]}`, firstDay, days, dayPrefixes, weekdays };
}

/** `count` consecutive months starting at year-month. */
export function monthsFrom(year: number, month: number, count: number): Month[] {
  const out: Month[] = [];
  for (let i = 0; i < count; i++) {
    const idx = year * 12 + (month - 1) + i;
    out.push(monthOf(Math.floor(idx / 12), (idx % 12) + 1));
  }
  return out;
}
