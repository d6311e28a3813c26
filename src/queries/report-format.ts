/**
 * The five report files: names, headers, field/line formatting and row orders. Shared by the
 * reference and the distributed pipeline so both write byte-identical files.
 */
export const REPORT_FILES = {
  q1: 'q1_transactions.csv',
  q2BestSelling: 'q2_best_selling.csv',
  q2MostProfit: 'q2_most_profit.csv',
  q3: 'q3_tpv.csv',
  q4: 'q4_top_customers.csv',
} as const;
export type ReportName = keyof typeof REPORT_FILES;
export const REPORT_NAMES = Object.keys(REPORT_FILES) as ReportName[];

export const REPORT_HEADERS: Record<ReportName, string> = {
  q1: 'transaction_id,final_amount',
  q2BestSelling: 'year_month_created_at,item_name,sellings_qty',
  q2MostProfit: 'year_month_created_at,item_name,profit_sum',
  q3: 'year_half_created_at,store_name,tpv',
  q4: 'store_name,birthdate,purchases_qty',
};

/** Integer cents as a decimal with two digits: 1230 -> '12.30', -5 -> '-0.05'. */
export function formatCents(cents: number): string {
  const neg = cents < 0;
  const a = neg ? -cents : cents;
  const units = Math.floor(a / 100);
  const c = a - units * 100;
  return `${neg ? '-' : ''}${units}.${c < 10 ? '0' : ''}${c}`;
}

const NEEDS_QUOTES = /[",\r\n]/;

/** A CSV field, quoted (quotes doubled) when it holds a comma, quote or line break. */
export function csvField(s: string): string {
  return NEEDS_QUOTES.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

export function q1Line(transactionId: string, cents: number): string {
  return `${csvField(transactionId)},${formatCents(cents)}\n`;
}
/**
 * Writes `q1Line(id, cents)`'s bytes at `pos` for an id held as bytes (`src[idStart..idEnd)`);
 * returns the position after it. The client's Q1 writer, per row: plain ASCII ids are copied and
 * the amount written digit by digit (formatCents' format), anything else goes through q1Line.
 */
export function writeQ1Row(out: Buffer, pos: number, src: Buffer, idStart: number, idEnd: number, cents: number): number {
  for (let i = idStart; i < idEnd; i++) {
    const b = src[i];
    // Non-ASCII (which may not even be UTF-8), a quote, a comma, CR or LF: the text path.
    if (b >= 0x80 || b === 0x22 || b === 0x2c || b === 0x0d || b === 0x0a)
      return pos + out.write(q1Line(src.toString('utf8', idStart, idEnd), cents), pos, 'utf8');
  }
  pos += src.copy(out, pos, idStart, idEnd);
  out[pos++] = 0x2c;
  let a = cents;
  if (a < 0) {
    out[pos++] = 0x2d;
    a = -a;
  }
  const units = Math.floor(a / 100);
  const c = a - units * 100;
  let digits = 1;
  for (let t = units; t >= 10; t = Math.floor(t / 10)) digits++;
  for (let i = pos + digits - 1, t = units; i >= pos; i--, t = Math.floor(t / 10)) out[i] = 0x30 + (t % 10);
  pos += digits;
  out[pos++] = 0x2e;
  out[pos++] = 0x30 + Math.floor(c / 10);
  out[pos++] = 0x30 + (c % 10);
  out[pos++] = 0x0a;
  return pos;
}
export function q2QtyLine(yearMonth: string, itemName: string, qty: number): string {
  return `${yearMonth},${csvField(itemName)},${qty}\n`;
}
export function q2ProfitLine(yearMonth: string, itemName: string, cents: number): string {
  return `${yearMonth},${csvField(itemName)},${formatCents(cents)}\n`;
}
export function q3Line(half: string, storeName: string, cents: number): string {
  return `${half},${csvField(storeName)},${formatCents(cents)}\n`;
}
export function q4Line(storeName: string, birthdate: string, purchases: number): string {
  return `${csvField(storeName)},${csvField(birthdate)},${purchases}\n`;
}

/** A whole report file: header line then the lines (each ending in '\n'). */
export function reportFile(name: ReportName, lines: Iterable<string>): string {
  const parts: string[] = [`${REPORT_HEADERS[name]}\n`];
  for (const l of lines) parts.push(l);
  return parts.join('');
}

// ---------------------------------------------------------------- orders

/**
 * Compares strings by their UTF-8 bytes (= code point order; Buffer.compare semantics),
 * which differs from JS's UTF-16 order only around surrogates vs U+E000..U+FFFF.
 */
export function compareUtf8(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    if (x >= 0xd800 && y >= 0xd800) {
      // Surrogates (supplementary planes) sort after U+E000..U+FFFF in UTF-8.
      x = x >= 0xe000 ? x - 0x800 : x + 0x2000;
      y = y >= 0xe000 ? y - 0x800 : y + 0x2000;
    }
    return x < y ? -1 : 1;
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

export interface Q1Row {
  transactionId: string;
  cents: number;
}
export interface Q2QtyRow {
  yearMonth: string;
  itemName: string;
  qty: number;
}
export interface Q2ProfitRow {
  yearMonth: string;
  itemName: string;
  cents: number;
}
export interface Q3Row {
  /** 'YYYY-H1' | 'YYYY-H2' */
  half: string;
  storeName: string;
  storeId: number;
  cents: number;
}
export interface Q4Row {
  storeName: string;
  storeId: number;
  userId: number;
  birthdate: string;
  purchases: number;
}

/** q1: transaction_id (UTF-8 byte order), then amount. */
export function compareQ1(a: Q1Row, b: Q1Row): number {
  return compareUtf8(a.transactionId, b.transactionId) || a.cents - b.cents;
}
/** q2: month. */
export function compareQ2(a: { yearMonth: string }, b: { yearMonth: string }): number {
  return a.yearMonth < b.yearMonth ? -1 : a.yearMonth > b.yearMonth ? 1 : 0;
}
/** q3: half, then store_name (byte order), then store_id. */
export function compareQ3(a: Q3Row, b: Q3Row): number {
  return compareUtf8(a.half, b.half) || compareUtf8(a.storeName, b.storeName) || a.storeId - b.storeId;
}
/** q4: store_name (byte order), purchases desc, user_id asc, store_id asc. */
export function compareQ4(a: Q4Row, b: Q4Row): number {
  return compareUtf8(a.storeName, b.storeName) || b.purchases - a.purchases || a.userId - b.userId || a.storeId - b.storeId;
}

// ---------------------------------------------------------------- whole files (sort + format)

export function renderQ1(rows: Q1Row[]): string {
  rows.sort(compareQ1);
  return reportFile(
    'q1',
    rows.map((r) => q1Line(r.transactionId, r.cents)),
  );
}
export function renderQ2BestSelling(rows: Q2QtyRow[]): string {
  rows.sort(compareQ2);
  return reportFile(
    'q2BestSelling',
    rows.map((r) => q2QtyLine(r.yearMonth, r.itemName, r.qty)),
  );
}
export function renderQ2MostProfit(rows: Q2ProfitRow[]): string {
  rows.sort(compareQ2);
  return reportFile(
    'q2MostProfit',
    rows.map((r) => q2ProfitLine(r.yearMonth, r.itemName, r.cents)),
  );
}
export function renderQ3(rows: Q3Row[]): string {
  rows.sort(compareQ3);
  return reportFile(
    'q3',
    rows.map((r) => q3Line(r.half, r.storeName, r.cents)),
  );
}
export function renderQ4(rows: Q4Row[]): string {
  rows.sort(compareQ4);
  return reportFile(
    'q4',
    rows.map((r) => q4Line(r.storeName, r.birthdate, r.purchases)),
  );
}
