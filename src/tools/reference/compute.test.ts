import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync, rmSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { computeReference } from './compute.js';
import { writeReports } from '../../queries/report-writer.js';
import { run } from '../cli/reference.js';
import { UsageError } from '../../node/errors.js';
import { REPORT_FILES } from '../../queries/report-format.js';

const TX_HEADER = 'transaction_id,store_id,payment_method_id,voucher_id,user_id,original_amount,discount_applied,final_amount,created_at';
const tx = (id: string, store: number, user: string, amount: string, at: string): string =>
  `${id},${store},1,,${user},${amount},0,${amount},${at}`;

/** A hand-made dataset whose reports are worked out by hand below. */
function makeDataset(dir: string): void {
  for (const t of ['stores', 'menu_items', 'users', 'transactions', 'transaction_items']) mkdirSync(path.join(dir, t), { recursive: true });
  writeFileSync(
    path.join(dir, 'stores', 'stores.csv'),
    [
      'store_id,store_name,street,postal_code,city,state,latitude,longitude',
      '1,"G Coffee @ ""Central"", KL",s,1,c,st,0,0',
      '2,Café Ümlaut,s,1,c,st,0,0',
      '1,Duplicate Should Lose,s,1,c,st,0,0',
    ].join('\r\n') + '\r\n',
  );
  writeFileSync(
    path.join(dir, 'menu_items', 'menu_items.csv'),
    'item_id,item_name,category,price,is_seasonal,available_from,available_to\n1,Espresso,c,1,False,,\n2,"Latte, Large",c,1,False,,\n',
  );
  writeFileSync(
    path.join(dir, 'users', 'users_202401.csv'),
    '\ufeffuser_id,gender,birthdate,registered_at\n10,f,1990-01-01,x\n11,m,1985-05-05,x\n12,f,2000-12-31,x\n13,f,1970-07-07,x\n10,f,1111-11-11,x\n',
  );
  writeFileSync(
    path.join(dir, 'transactions', 'transactions_2024.csv'),
    [
      TX_HEADER,
      tx('t01', 1, '10.0', '75.00', '2024-01-01 06:00:00'),
      tx('t02', 1, '10.0', '74.99', '2024-01-01 23:00:00'),
      tx('t03', 1, '11.0', '100.00', '2024-01-01 23:00:01'),
      tx('t04', 1, '11.0', '100.00', '2024-01-01 05:59:59'),
      tx('t05', 1, '12.0', '100.00', '2023-12-31 23:59:59'),
      tx('t06', 1, '', '80.00', '2024-01-01 00:00:00'),
      tx('t07', 2, '', '80.00', '2024-07-01 12:00:00'),
      tx('t13', 2, '', '7a.5', '2024-07-01 12:00:00'),
      't99,2,1',
    ].join('\n') + '\n',
  );
  writeFileSync(
    path.join(dir, 'transactions', 'transactions_2025.csv'),
    [
      TX_HEADER,
      tx('t08', 2, '12.0', '10.00', '2025-12-31 23:59:59'),
      tx('t09', 2, '13.0', '10.00', '2026-01-01 00:00:00'),
      tx('"t,10"', 3, '14.0', '75.0', '2025-06-30 22:00:00'),
      tx('t11', 1, '13.0', '1.00', '2025-03-03 12:00:00'),
      tx('t12', 1, '12.0', '2.00', '2025-03-04 12:00:00'),
      tx('é-1', 2, '10.0', '99.99', '2025-01-01 06:00:00'),
    ].join('\r\n'),
  );
  writeFileSync(
    path.join(dir, 'transaction_items', 'transaction_items_all.csv'),
    [
      'transaction_id,item_id,quantity,unit_price,subtotal,created_at',
      'a,1,2,1,5.00,2024-01-01 00:00:00',
      'a,2,2,1,9.00,2024-01-31 23:59:59',
      'a,2,100,1,100.00,2023-12-31 23:59:59',
      'a,3,5,1,5.00,2025-12-31 23:59:59',
      'a,1,1,1,5.00,2025-12-31 12:00:00',
      'a,1,50,1,50.00,2026-01-01 00:00:00',
      'a,2,3,1,2.50,2024-02-10 10:00:00',
      'a,2,1,1,1.00,2024-02-11 10:00:00',
      'a,1,-1,1,10.00,2024-02-12 10:00:00',
      'a,1,1.5,1,1.00,2024-02-12 10:00:00',
    ].join('\r\n') + '\r\n',
  );
}

const EXPECTED = {
  q1: 'transaction_id,final_amount\n"t,10",75.00\nt01,75.00\nt07,80.00\né-1,99.99\n',
  q2BestSelling: 'year_month_created_at,item_name,sellings_qty\n2024-01,Espresso,2\n2024-02,"Latte, Large",4\n2025-12,,5\n',
  q2MostProfit: 'year_month_created_at,item_name,profit_sum\n2024-01,"Latte, Large",9.00\n2024-02,Espresso,10.00\n2025-12,Espresso,5.00\n',
  q3: [
    'year_half_created_at,store_name,tpv',
    '2024-H1,"G Coffee @ ""Central"", KL",149.99',
    '2024-H2,Café Ümlaut,80.00',
    '2025-H1,,75.00',
    '2025-H1,Café Ümlaut,99.99',
    '2025-H1,"G Coffee @ ""Central"", KL",3.00',
    '',
  ].join('\n'),
  q4: [
    'store_name,birthdate,purchases_qty',
    ',,1',
    'Café Ümlaut,1990-01-01,1',
    'Café Ümlaut,2000-12-31,1',
    '"G Coffee @ ""Central"", KL",1990-01-01,2',
    '"G Coffee @ ""Central"", KL",1985-05-05,2',
    '"G Coffee @ ""Central"", KL",2000-12-31,1',
    '',
  ].join('\n'),
};

test('reference reports on a hand-made dataset (boundaries, ties, guests, quoting, CRLF)', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'reference-test-'));
  try {
    makeDataset(dir);
    const rejects: string[] = [];
    const res = await computeReference(dir, { onReject: (r) => rejects.push(`${r.file}:${r.line}`) });
    assert.deepEqual(res.reports, EXPECTED);
    assert.equal(res.rejected, 3);
    assert.deepEqual(rejects, [
      'transactions/transactions_2024.csv:9',
      'transactions/transactions_2024.csv:10',
      'transaction_items/transaction_items_all.csv:11',
    ]);
    assert.equal(res.rows, 3 + 2 + 5 + 13 + 9);
    await writeReports(path.join(dir, 'out'), res.reports);
    assert.equal(readFileSync(path.join(dir, 'out', REPORT_FILES.q3), 'utf8'), EXPECTED.q3);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('cli: writes the five files; missing --data is a UsageError', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'reference-cli-'));
  try {
    makeDataset(path.join(dir, 'data'));
    const write = process.stdout.write.bind(process.stdout);
    let printed = '';
    process.stdout.write = (s: string) => ((printed += s), true);
    let code: number;
    try {
      code = await run(['--data', path.join(dir, 'data'), '--out', path.join(dir, 'out')]);
    } finally {
      process.stdout.write = write;
    }
    assert.equal(code, 0);
    assert.match(printed, /reference: 32 rows, 3 rejected, /);
    for (const f of Object.values(REPORT_FILES)) assert.ok(existsSync(path.join(dir, 'out', f)), f);
    assert.equal(readFileSync(path.join(dir, 'out', REPORT_FILES.q1), 'utf8'), EXPECTED.q1);
    await assert.rejects(run([]), (e: unknown) => e instanceof UsageError && /--data is required/.test(e.message));
    await assert.rejects(
      run(['--data', path.join(dir, 'nope')]),
      (e: unknown) => e instanceof UsageError && /does not exist/.test(e.message),
    );
    await assert.rejects(run(['--bogus']), (e: unknown) => e instanceof UsageError);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
