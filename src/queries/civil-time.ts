/**
 * Calendar arithmetic on epoch seconds (naive timestamps read as UTC), integer-only:
 * Howard Hinnant's days_from_civil / civil_from_days.
 */
export const SECONDS_PER_DAY = 86400;

/** Days since 1970-01-01 of a proleptic Gregorian date (month 1..12). */
export function daysFromCivil(y: number, m: number, d: number): number {
  y -= m <= 2 ? 1 : 0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const mp = m > 2 ? m - 3 : m + 9;
  const doy = Math.floor((153 * mp + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** Epoch seconds of a civil date-time read as UTC. */
export function epochFromCivil(y: number, mo: number, d: number, hh: number, mi: number, ss: number): number {
  return daysFromCivil(y, mo, d) * SECONDS_PER_DAY + hh * 3600 + mi * 60 + ss;
}

export function isLeapYear(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

const DAYS_IN_MONTH = [0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

export function daysInMonth(y: number, m: number): number {
  return m === 2 && isLeapYear(y) ? 29 : DAYS_IN_MONTH[m];
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

/** Packed year*16 + month of a day number (civil_from_days without the day or an array: the reference's hot path). */
function yearMonthOfDays(z: number): number {
  z += 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const m = mp < 10 ? mp + 3 : mp - 9;
  const y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  return y * 16 + m;
}

/** Year of epoch seconds. */
export function yearOf(epoch: number): number {
  return yearMonthOfDays(Math.floor(epoch / SECONDS_PER_DAY)) >> 4;
}

/** Month 1..12 of epoch seconds. */
export function monthOf(epoch: number): number {
  return yearMonthOfDays(Math.floor(epoch / SECONDS_PER_DAY)) & 15;
}

/** year * 12 + (month - 1): a dense, ordered month index. */
export function monthIndexOf(epoch: number): number {
  const ym = yearMonthOfDays(Math.floor(epoch / SECONDS_PER_DAY));
  return (ym >> 4) * 12 + (ym & 15) - 1;
}

/** Seconds since midnight, 0..86399. */
export function secondsOfDay(epoch: number): number {
  const r = epoch % SECONDS_PER_DAY;
  return r < 0 ? r + SECONDS_PER_DAY : r;
}

/** 'YYYY-MM' of epoch seconds. */
export function yearMonthString(epoch: number): string {
  return monthIndexString(monthIndexOf(epoch));
}

/** 'YYYY-MM' of a month index (year * 12 + month - 1). */
export function monthIndexString(index: number): string {
  const y = Math.floor(index / 12);
  const m = index - y * 12 + 1;
  return `${String(y).padStart(4, '0')}-${m < 10 ? '0' : ''}${m}`;
}

/** 'YYYY-H1' / 'YYYY-H2' of epoch seconds. */
export function yearHalfString(epoch: number): string {
  const ym = yearMonthOfDays(Math.floor(epoch / SECONDS_PER_DAY));
  return `${ym >> 4}-H${(ym & 15) <= 6 ? 1 : 2}`;
}
