/**
 * Customers: who exists (registration month, home store, regulars) and the users table writer
 * (`users/users_YYYYMM.csv`, one file per registration month). User ids are assigned in
 * registration order, so "registered by month m" is a prefix 1..N of the ids.
 */
import { join } from 'node:path';
import { daysFromCivil } from '../../queries/civil-time.js';
import { PAD2, dateString } from './months.js';
import { STORES } from './catalog.js';
import { deriveRandom, WeightedTable } from './random.js';
import { FileSink, CHUNK_CHARS } from './sink.js';
import { HEADERS, tableFile } from './schema.js';
import { FIRST_MONTH_USER_SHARE, NORMAL_MONTHS, regularCount, userCount } from './proportions.js';
import { STREAM_POPULATION, STREAM_USERS } from './streams.js';

export interface Population {
  users: number;
  /** registeredThrough[m] = number of users registered in months 0..m. */
  registeredThrough: number[];
  /** Users 1..regulars buy far more often than the rest. */
  regulars: number;
  /** homeStore[userId] = store id (index 0 unused). */
  homeStore: Uint8Array;
}

export function buildPopulation(seed: number, scale: number): Population {
  const r = deriveRandom(seed, STREAM_POPULATION);
  const users = userCount(scale);
  const months = NORMAL_MONTHS.length;
  // First month holds the existing customer base; the rest grow a little each month, with noise.
  const weights = NORMAL_MONTHS.map((_, i) => (i === 0 ? 0 : (0.8 + (0.4 * i) / months) * (0.85 + 0.3 * r.float())));
  const restTotal = weights.reduce((s, w) => s + w, 0);
  const first = Math.round(users * FIRST_MONTH_USER_SHARE);
  const perMonth = weights.map((w, i) => (i === 0 ? first : Math.floor(((users - first) * w) / restTotal)));
  perMonth[months - 1] += users - perMonth.reduce((s, n) => s + n, 0);
  const registeredThrough: number[] = [];
  let acc = 0;
  for (const n of perMonth) registeredThrough.push((acc += n));

  const storeTable = new WeightedTable(STORES.map((s) => s.weight));
  const homeStore = new Uint8Array(users + 1);
  for (let u = 1; u <= users; u++) homeStore[u] = STORES[storeTable.pick(r)].id;
  return { users, registeredThrough, regulars: Math.min(regularCount(users), registeredThrough[0]), homeStore };
}

/** Users registered before month m may buy in month m (month 0: its own registrants). */
export function buyersInMonth(p: Population, m: number): number {
  return m === 0 ? p.registeredThrough[0] : p.registeredThrough[m - 1];
}

const BIRTH_FIRST = daysFromCivil(1955, 1, 1);
const BIRTH_SPAN = daysFromCivil(2008, 1, 1) - BIRTH_FIRST;

/** Writes one users file per registration month; `rows` counts generated users only. */
export async function writeUsers(
  dir: string,
  seed: number,
  p: Population,
  onBytes: (n: number) => void,
  /** Extra raw lines spliced into the middle of month m's file ('' for none). */
  inject: (monthIndex: number) => string,
): Promise<{ files: number; rows: number; bytes: number }> {
  let rows = 0;
  let bytes = 0;
  let firstId = 1;
  for (let m = 0; m < NORMAL_MONTHS.length; m++) {
    const month = NORMAL_MONTHS[m];
    const r = deriveRandom(seed, STREAM_USERS, m);
    const lastId = p.registeredThrough[m];
    const n = lastId - firstId + 1;
    const sink = new FileSink(join(dir, tableFile('users', month.key)), onBytes);
    const extra = inject(m);
    const extraAt = Math.floor(n / 2);
    let buf = HEADERS.users + '\n';
    const monthSeconds = month.days * 86400;
    for (let i = 0; i < n; i++) {
      if (extra !== '' && i === extraAt) buf += extra;
      // Registration instants increase with the id: evenly spread with jitter.
      const at = Math.floor(((i + r.float()) / n) * monthSeconds);
      const day = Math.floor(at / 86400);
      const sec = at - day * 86400;
      const gender = r.float() < 0.52 ? 'female' : 'male';
      // Triangular age distribution: most customers born in the 1980s–90s.
      const birth = BIRTH_FIRST + Math.floor(((r.float() + r.float()) / 2) * BIRTH_SPAN);
      buf +=
        firstId +
        i +
        ',' +
        gender +
        ',' +
        dateString(birth) +
        ',' +
        month.dayPrefixes[day] +
        PAD2[Math.floor(sec / 3600)] +
        ':' +
        PAD2[Math.floor(sec / 60) % 60] +
        ':' +
        PAD2[sec % 60] +
        '\n';
      if (buf.length > CHUNK_CHARS) {
        await sink.write(buf);
        buf = '';
      }
    }
    if (extra !== '' && extraAt >= n) buf += extra;
    await sink.write(buf);
    await sink.close();
    bytes += sink.bytes;
    rows += n;
    firstId = lastId + 1;
  }
  return { files: NORMAL_MONTHS.length, rows, bytes };
}
