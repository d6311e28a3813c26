import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, readFileSync, readdirSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  REPORT_FILES,
  renderQ1,
  renderQ2BestSelling,
  renderQ2MostProfit,
  renderQ3,
  renderQ4,
  type Q1Row,
} from '../queries/report-format.js';
import { ProtocolError } from '../node/errors.js';
import { Q1RowsWriter } from '../protocol/payloads/q1-rows.js';
import type { Q2ResultRow, Q3ResultRow, Q4ResultRow } from '../protocol/payloads/json.js';
import { ResultCollector } from './results.js';
import { writeCollectedReports } from './report-writer.js';

function tempDir(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'report-writer-test-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}
function chunk(rows: Q1Row[]): Buffer {
  const w = new Q1RowsWriter();
  for (const r of rows) {
    const b = Buffer.from(r.transactionId, 'utf8');
    w.add(b, 0, b.length, r.cents);
  }
  return w.finish();
}
const byBytes = (a: Q1Row, b: Q1Row): number =>
  Buffer.compare(Buffer.from(a.transactionId), Buffer.from(b.transactionId)) || a.cents - b.cents;
const json = (v: unknown): Buffer => Buffer.from(JSON.stringify(v));

test('q1: sorted runs of 3 partitions, chunked, out of order and duplicated, merge into the reference file', async (t) => {
  const dir = tempDir(t);
  const collector = new ResultCollector(path.join(dir, 'spool'));
  const all: Q1Row[] = [];
  let x = 7;
  for (let i = 0; i < 6000; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    all.push({ transactionId: `${(x % 50_000).toString(16)}-${i % 3 === 0 ? 'ü' : ''}${i}`, cents: 7500 + (x % 5000) });
  }
  // Awkward ids: byte order vs UTF-16 order, CSV quoting, and one id with two amounts.
  all.push({ transactionId: '\u{1F600}', cents: 8000 }, { transactionId: '\uFF01', cents: 8000 }, { transactionId: 'a,"b"', cents: 9999 });
  all.push({ transactionId: 'same', cents: 9000 }, { transactionId: 'same', cents: 7600 });
  // The same id in two partitions: the amount decides between the runs, in either run order.
  const tied: Array<[Q1Row, number]> = [
    [{ transactionId: 'tieA', cents: 9000 }, 0],
    [{ transactionId: 'tieA', cents: 7600 }, 2],
    [{ transactionId: 'tieB', cents: 7600 }, 0],
    [{ transactionId: 'tieB', cents: 9000 }, 2],
  ];
  const parts: Q1Row[][] = [[], [], []];
  all.forEach((r, i) => parts[r.transactionId === 'same' ? 1 : i % 3].push(r));
  for (const [r, p] of tied) {
    all.push(r);
    parts[p].push(r);
  }
  // Each partition: its rows sorted, cut in chunks of uneven sizes.
  const msgs: Array<{ p: number; k: number; body: Buffer }> = [];
  parts.forEach((rows, p) => {
    const sorted = [...rows].sort(byBytes);
    let k = 0;
    for (let off = 0; off < sorted.length; k++) {
      const size = 200 + ((k * 577 + p * 131) % 900);
      msgs.push({ p, k, body: chunk(sorted.slice(off, off + size)) });
      off += size;
    }
  });
  // A fourth partition that had no rows sends one empty chunk.
  msgs.push({ p: 3, k: 0, body: Buffer.alloc(0) });
  // Deliver in a scrambled order, some twice.
  const order = msgs.map((_, i) => i).sort((a, b) => ((a * 7919) % 101) - ((b * 7919) % 101) || a - b);
  for (const i of order) {
    const m = msgs[i];
    assert.equal(collector.add({ id: `r:q1.${m.p}.${m.k}`, q: 'q1', p: m.p, k: m.k }, m.body), true);
    if (i % 5 === 0) assert.equal(collector.add({ id: `r:q1.${m.p}.${m.k}`, q: 'q1', p: m.p, k: m.k }, m.body), false);
  }
  assert.equal(collector.count, msgs.length);
  assert.ok(msgs.filter((m) => m.p === 0).length >= 3, 'several chunks per partition');

  const out = path.join(dir, 'out');
  await writeCollectedReports(collector, out);
  const got = readFileSync(path.join(out, REPORT_FILES.q1), 'utf8');
  assert.equal(got, renderQ1([...all]));
  const lines = got.split('\n');
  assert.equal(lines.length, all.length + 2); // header + rows + trailing ''
  assert.ok(lines.indexOf('\uFF01,80.00') < lines.indexOf('\u{1F600},80.00'));
  assert.ok(lines.includes('"a,""b""",99.99'));
  assert.deepEqual(
    lines.filter((l) => l.startsWith('same,') || l.startsWith('tie')),
    ['same,76.00', 'same,90.00', 'tieA,76.00', 'tieA,90.00', 'tieB,76.00', 'tieB,90.00'],
  );
  // Every report file exists, no temp file is left behind.
  assert.deepEqual(readdirSync(out).sort(), Object.values(REPORT_FILES).sort());
  collector.dispose();
  assert.equal(existsSync(path.join(dir, 'spool')), false);
});

test('q2–q4 rows from several partitions are written through the render functions', async (t) => {
  const dir = tempDir(t);
  const collector = new ResultCollector(path.join(dir, 'spool'));
  const q2: Q2ResultRow[][] = [
    [['2025-01', 'Latte', 30, 'Cake, "big"', 12345]],
    [
      ['2024-12', 'Espresso', 10, 'Espresso', 500],
      ['2024-01', 'Tea', 3, 'Tea', 300],
    ],
  ];
  const q3: Q3ResultRow[][] = [
    [
      ['2024-H2', 2, 'B store', 1000],
      ['2024-H1', 2, 'B store', 5],
    ],
    [['2024-H1', 1, 'A store', 99999]],
  ];
  const q4: Q4ResultRow[][] = [
    [
      [2, 'B store', 9, '1990-01-01', 4],
      [2, 'B store', 3, '1991-01-01', 4],
    ],
    [[1, 'A store', 7, '1980-05-05', 10]],
  ];
  q2.forEach((rows, p) => collector.add({ id: `r:q2.${p}.0`, q: 'q2', p, k: 0 }, json(rows)));
  q3.forEach((rows, p) => collector.add({ id: `r:q3.${p}.0`, q: 'q3', p, k: 0 }, json(rows)));
  q4.forEach((rows, p) => collector.add({ id: `r:q4.${p}.0`, q: 'q4', p, k: 0 }, json(rows)));
  // A duplicate does not add its rows twice.
  assert.equal(collector.add({ id: 'r:q2.0.0', q: 'q2', p: 0, k: 0 }, json(q2[0])), false);
  assert.equal(collector.q2.length, 3);
  // An empty q1 run (no rows anywhere) still gives a header-only file.
  collector.add({ id: 'r:q1.0.0', q: 'q1', p: 0, k: 0 }, Buffer.alloc(0));

  const out = path.join(dir, 'out');
  await writeCollectedReports(collector, out);
  const read = (f: string): string => readFileSync(path.join(out, f), 'utf8');
  const q2All = q2.flat();
  assert.equal(
    read(REPORT_FILES.q2BestSelling),
    renderQ2BestSelling(q2All.map(([yearMonth, itemName, qty]) => ({ yearMonth, itemName, qty }))),
  );
  assert.equal(
    read(REPORT_FILES.q2MostProfit),
    renderQ2MostProfit(q2All.map(([yearMonth, , , itemName, cents]) => ({ yearMonth, itemName, cents }))),
  );
  assert.equal(
    read(REPORT_FILES.q3),
    renderQ3(q3.flat().map(([half, storeId, storeName, cents]) => ({ half, storeId, storeName, cents }))),
  );
  assert.equal(
    read(REPORT_FILES.q4),
    renderQ4(q4.flat().map(([storeId, storeName, userId, birthdate, purchases]) => ({ storeId, storeName, userId, birthdate, purchases }))),
  );
  assert.equal(read(REPORT_FILES.q1), renderQ1([]));
  // Spot-check the actual bytes so a wrong mapping of tuple fields would show.
  assert.equal(
    read(REPORT_FILES.q2MostProfit),
    'year_month_created_at,item_name,profit_sum\n2024-01,Tea,3.00\n2024-12,Espresso,5.00\n2025-01,"Cake, ""big""",123.45\n',
  );
  assert.equal(
    read(REPORT_FILES.q4),
    'store_name,birthdate,purchases_qty\nA store,1980-05-05,10\nB store,1991-01-01,4\nB store,1990-01-01,4\n',
  );
  assert.equal(
    read(REPORT_FILES.q3),
    'year_half_created_at,store_name,tpv\n2024-H1,A store,999.99\n2024-H1,B store,0.05\n2024-H2,B store,10.00\n',
  );
});

test('unknown reports and malformed rows are protocol errors, and are not recorded as received', (t) => {
  const collector = new ResultCollector(path.join(tempDir(t), 'spool'));
  assert.throws(() => collector.add({ id: 'r:q9.0.0', q: 'q9', p: 0, k: 0 }, json([])), ProtocolError);
  assert.throws(() => collector.add({ id: 'r:q2.0.0', q: 'q2', p: 0, k: 0 }, Buffer.from('{oops')), ProtocolError);
  assert.throws(() => collector.add({ id: 'r:q3.0.0', q: 'q3', p: 0, k: 0 }, json({ not: 'an array' })), ProtocolError);
  assert.equal(collector.count, 0);
  // The good copy of the same id is accepted afterwards.
  assert.equal(collector.add({ id: 'r:q2.0.0', q: 'q2', p: 0, k: 0 }, json([['2024-01', 'a', 1, 'a', 1]])), true);
});
