import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { REPORT_FILES, renderQ1, renderQ2BestSelling, renderQ2MostProfit, renderQ3, renderQ4 } from './report-format.js';
import { emptyDataQuality } from './data-quality.js';
import { REPORT_HTML, escapeHtml, groupDigits, writeHtmlReport, type RunFacts } from './report-html.js';
import fc from 'fast-check';

const NASTY_STORE = 'Kopi "Corner", <script>alert(1)</script> & Café 東京';
const NASTY_ITEM = 'Latte <b>\'Grande\'</b>, hot & "sweet"';

function tempDir(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'report-html-test-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Five CSV files in the real format, names chosen to break naive HTML. */
function writeCsvs(dir: string): void {
  writeFileSync(
    path.join(dir, REPORT_FILES.q1),
    renderQ1([
      { transactionId: 'tx-"1",<a>', cents: 7500 },
      { transactionId: 'tx-2', cents: 12_345 },
      { transactionId: 'tx-3', cents: 99_999 },
    ]),
  );
  writeFileSync(
    path.join(dir, REPORT_FILES.q2BestSelling),
    renderQ2BestSelling([
      { yearMonth: '2024-01', itemName: NASTY_ITEM, qty: 10 },
      { yearMonth: '2024-02', itemName: '', qty: 25_000 },
    ]),
  );
  writeFileSync(
    path.join(dir, REPORT_FILES.q2MostProfit),
    renderQ2MostProfit([
      { yearMonth: '2024-01', itemName: NASTY_ITEM, cents: 1050 },
      { yearMonth: '2024-02', itemName: 'Mocha', cents: 99 },
    ]),
  );
  writeFileSync(
    path.join(dir, REPORT_FILES.q3),
    renderQ3([
      { half: '2024-H1', storeName: NASTY_STORE, storeId: 1, cents: 123_456 },
      { half: '2024-H2', storeName: NASTY_STORE, storeId: 1, cents: 1 },
      { half: '2024-H1', storeName: '', storeId: 99, cents: 500 },
    ]),
  );
  writeFileSync(
    path.join(dir, REPORT_FILES.q4),
    renderQ4([
      { storeName: NASTY_STORE, storeId: 1, userId: 1, birthdate: '1990-01-01', purchases: 5 },
      { storeName: NASTY_STORE, storeId: 1, userId: 2, birthdate: '', purchases: 4 },
      { storeName: NASTY_STORE, storeId: 1, userId: 3, birthdate: '1970-12-31', purchases: 4 },
    ]),
  );
}

const FACTS: RunFacts = {
  producer: 'pipeline',
  dataset: '/data/<my "set">',
  session: 's-0123',
  rows: { stores: 11, transactions: 1000 },
  rejected: 2,
  rejectsFile: 'rejected_rows.csv',
  seconds: 1.5,
  dataQuality: emptyDataQuality(),
};

async function report(t: { after: (fn: () => void) => void }, facts: RunFacts = FACTS): Promise<string> {
  const dir = tempDir(t);
  writeCsvs(dir);
  const timing = await writeHtmlReport(dir, { ...facts, rejectsFile: facts.rejectsFile && path.join(dir, facts.rejectsFile) });
  assert.equal(timing.file, path.join(dir, REPORT_HTML));
  return readFileSync(timing.file, 'utf8');
}

/** The HTML of one <section data-query="..."> element. */
function section(html: string, q: string): string {
  const m = new RegExp(`<section[^>]*data-query="${q}"[^>]*>([\\s\\S]*?)</section>`).exec(html);
  assert.ok(m, `section ${q}`);
  return m[1];
}
const count = (s: string, needle: RegExp): number => (s.match(needle) ?? []).length;

test('escapeHtml escapes the five HTML specials and nothing else', () => {
  assert.equal(escapeHtml(`<a href="x">'&'</a> Café 東京`), '&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt; Café 東京');
});

test('data strings are escaped everywhere: tables, chart text, facts', async (t) => {
  const html = await report(t);
  assert.equal(count(html, /<script/gi), 0, 'no <script> element, not even from data');
  assert.equal(count(html, /<b>/g), 0, 'markup in a name stays text');
  assert.equal(count(html, /<a>/g), 0);
  // Tables: the name escaped once, non-ASCII kept as is.
  assert.ok(html.includes(escapeHtml(NASTY_STORE)), 'store name escaped in the tables');
  assert.ok(html.includes('Café 東京'));
  assert.ok(html.includes(escapeHtml('tx-"1",<a>')), 'Q1 ids escaped');
  assert.ok(html.includes(escapeHtml('/data/<my "set">')), 'facts escaped');
  // Charts: Vega writes the names as SVG text and ARIA labels, escaped (long axis labels are truncated).
  assert.ok(section(html, 'q3').includes(`aria-label="store: ${escapeHtml(NASTY_STORE)};`));
  assert.match(section(html, 'q3'), /<text[^>]*>Kopi "Corner", &lt;scr/);
  assert.match(section(html, 'q2'), /<text[^>]*>Latte &lt;b&gt;'Grande'&lt;\/b&gt;, hot &amp;/);
});

test('one <svg> per chart: Q1 1, Q2 2 (best seller, most profitable), Q3 1, Q4 1', async (t) => {
  const html = await report(t);
  assert.equal(count(section(html, 'q1'), /<svg\b/g), 1);
  assert.equal(count(section(html, 'q2'), /<svg\b/g), 2);
  assert.equal(count(section(html, 'q3'), /<svg\b/g), 1);
  assert.equal(count(section(html, 'q4'), /<svg\b/g), 1);
  assert.equal(count(html, /<svg\b/g), 5, 'no other chart');
  assert.equal(count(html, /<figure class="chart"><svg\b/g), 5, 'every chart figure holds its SVG');
  // Real Vega output: marks, not an empty frame.
  assert.ok(count(section(html, 'q3'), /class="mark-rect/g) >= 1);
});

test('self-contained: no URL, no script, no external stylesheet, image or font', async (t) => {
  const html = await report(t);
  assert.doesNotMatch(html, /https?:\/\//i);
  assert.doesNotMatch(html, /<script\b/i);
  assert.doesNotMatch(html, /<link\b/i);
  assert.doesNotMatch(html, /<(img|iframe|object|embed|image)\b/i);
  assert.doesNotMatch(html, /\b(src|xlink:href)\s*=/i);
  assert.doesNotMatch(html, /url\(|@import/i);
  // The only links are the report's own files, relative.
  const hrefs = [...html.matchAll(/href="([^"]*)"/g)].map((m) => m[1]).sort();
  assert.deepEqual([...new Set(hrefs)], [...Object.values(REPORT_FILES), 'rejected_rows.csv'].sort());
});

test('Q1 is summarised: count, total, the first rows; empty names show as missing references', async (t) => {
  const html = await report(t);
  const q1 = section(html, 'q1');
  assert.match(q1, /<strong>3<\/strong> transactions, <strong>1,198\.44<\/strong>/);
  assert.ok(q1.includes('123.45'));
  assert.ok(section(html, 'q2').includes('(item not in menu_items)'));
  assert.ok(section(html, 'q3').includes('(store not in stores)'));
  assert.ok(section(html, 'q4').includes('(user not in users)'));
});

test('data quality: counts and ids per check, or a clean bill', async (t) => {
  const clean = await report(t);
  assert.match(section(clean, 'data-quality'), /Every store, menu item and user the reports use is in its reference table/);
  const dq = emptyDataQuality();
  dq.q2Items = { rows: 1234, ids: [99, 100] };
  dq.q4Users = { rows: 3, ids: [9000099] };
  const dirty = section(await report(t, { ...FACTS, dataQuality: dq }), 'data-quality');
  assert.match(dirty, /<td>transaction_items\.item_id<\/td><td>menu_items<\/td><td class="n">1,234<\/td><td>99, 100<\/td>/);
  assert.match(dirty, /<td>transactions\.user_id<\/td><td>users<\/td><td class="n">3<\/td><td>9000099<\/td>/);
  assert.doesNotMatch(dirty, /stores<\/td>/, 'checks that found nothing are not listed');
});

test('the page body depends only on the CSV files and the counts: the pipeline and the reference write the same <main>', async (t) => {
  const main = (html: string): string => /<main>[\s\S]*<\/main>/.exec(html)![0];
  const a = await report(t);
  const b = await report(t, { ...FACTS, producer: 'reference', session: undefined, seconds: 9, rows: {}, rejected: 0, rejectsFile: null });
  assert.equal(main(a), main(b));
});

test("groupDigits writes what toLocaleString('en-US') writes", () => {
  for (const n of [
    0,
    -0,
    7,
    -7,
    999,
    1000,
    -1000,
    123456,
    1234567,
    -98765432,
    Number.MAX_SAFE_INTEGER,
    -Number.MAX_SAFE_INTEGER,
    2 ** 53,
    1e21,
    0.5,
    -1234.5678,
  ])
    assert.equal(groupDigits(n), n.toLocaleString('en-US'), String(n));
  fc.assert(
    fc.property(
      fc.integer({ min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER }),
      (n) => groupDigits(n) === n.toLocaleString('en-US'),
    ),
  );
});
