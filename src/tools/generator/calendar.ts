/**
 * Calendar arithmetic without Date objects: dates are days since 1970-01-01 (proleptic
 * Gregorian, no time zone), timestamps are strings built from cached pieces. Creating a Date
 * per row would dominate the generator's run time.
 */

/** "00".."99". */
export const PAD2: readonly string[] = Array.from({ length: 100 }, (_, i) => String(i).padStart(2, '0'));

/** Days since 1970-01-01 of a civil date (H. Hinnant's algorithm). */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const mp = (month + 9) % 12;
  const doy = Math.floor((153 * mp + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** Civil date of a day number: [year, month 1..12, day 1..31]. */
export function civilFromDays(days: number): [number, number, number] {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  return [yoe + era * 400 + (m <= 2 ? 1 : 0), m, d];
}

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

export function daysInMonth(year: number, month: number): number {
  return daysFromCivil(month === 12 ? year + 1 : year, month === 12 ? 1 : month + 1, 1) - daysFromCivil(year, month, 1);
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
