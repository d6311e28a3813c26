import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fieldError, INT32_MAX, parseCentsBytes, parseIntBytes, parseTimestampBytes } from './fields.js';
import { CsvParser } from './csv/parser.js';
import { RowParser } from './rows.js';
import type { RowView, TableName } from './tables.js';
import { DatasetError } from '../node/errors.js';

const b = (s: string): Buffer => Buffer.from(s);
const int = (s: string, min = 0, max = INT32_MAX): number => parseIntBytes(b(s), 0, b(s).length, min, max);
const cents = (s: string): number => parseCentsBytes(b(s), 0, b(s).length);
const ts = (s: string): number => parseTimestampBytes(b(s), 0, b(s).length);

test('ints: digits, float-written with zero fraction, range', () => {
  assert.equal(int('140170'), 140170);
  assert.equal(int('140170.0'), 140170);
  assert.equal(int('3.000'), 3);
  assert.equal(int('007'), 7);
  assert.equal(int('2147483647'), 2147483647);
  assert.equal(int('-5', -2147483648), -5);
  assert.ok(Object.is(int('-0', -10), 0));
  for (const bad of ['', '-', 'abc', '1a', '3.5', '3.', '.5', '+1', ' 1', '1 ', '1e3', '3.01']) {
    assert.ok(Number.isNaN(int(bad, -10)), bad);
    assert.equal(fieldError(), 'not an integer', bad);
  }
  assert.ok(Number.isNaN(int('2147483648')));
  assert.equal(fieldError(), 'out of range');
  assert.ok(Number.isNaN(int('-1')));
  assert.equal(fieldError(), 'out of range');
  assert.ok(Number.isNaN(int('99999999999999999999999')));
  assert.equal(fieldError(), 'out of range');
});

test('amounts to cents', () => {
  assert.equal(cents('75'), 7500);
  assert.equal(cents('75.0'), 7500);
  assert.equal(cents('74.99'), 7499);
  assert.equal(cents('12.3'), 1230);
  assert.equal(cents('-0.05'), -5);
  assert.equal(cents('0.10000'), 10);
  assert.equal(cents('21474836.47'), 2147483647);
  for (const bad of ['', '7a.5', '1.', '.5', '1.2.3', '+1', '1,5', 'NaN']) {
    assert.ok(Number.isNaN(cents(bad)), bad);
    assert.equal(fieldError(), 'not a number', bad);
  }
  assert.ok(Number.isNaN(cents('1.005')));
  assert.equal(fieldError(), 'more than 2 decimals');
  assert.ok(Number.isNaN(cents('21474836.48')));
  assert.equal(fieldError(), 'out of range');
});

test('timestamps', () => {
  assert.equal(ts('2024-01-01 00:00:00'), Date.UTC(2024, 0, 1) / 1000);
  assert.equal(ts('2024-02-29 23:59:59'), Date.UTC(2024, 1, 29, 23, 59, 59) / 1000);
  assert.equal(ts('1970-01-01 00:00:00'), 0);
  assert.equal(ts('2105-12-31 23:59:59'), Date.UTC(2105, 11, 31, 23, 59, 59) / 1000);
  assert.equal(ts('2000-02-29 12:00:00'), Date.UTC(2000, 1, 29, 12) / 1000);
  const cases: [string, string][] = [
    ['2024-01-01', 'not a timestamp (YYYY-MM-DD HH:MM:SS)'],
    ['2024-01-01T00:00:00', 'not a timestamp (YYYY-MM-DD HH:MM:SS)'],
    ['2024-1-01 00:00:000', 'not a timestamp (YYYY-MM-DD HH:MM:SS)'],
    ['2024-0a-01 00:00:00', 'not a timestamp (YYYY-MM-DD HH:MM:SS)'],
    ['1969-12-31 23:59:59', 'year out of range (1970..2105)'],
    ['2106-01-01 00:00:00', 'year out of range (1970..2105)'],
    ['2023-02-29 00:00:00', 'invalid date'],
    ['1900-02-29 00:00:00', 'year out of range (1970..2105)'],
    ['2100-02-29 00:00:00', 'invalid date'],
    ['2024-13-01 00:00:00', 'invalid date'],
    ['2024-04-31 00:00:00', 'invalid date'],
    ['2024-04-00 00:00:00', 'invalid date'],
    ['2024-04-01 24:00:00', 'invalid time'],
    ['2024-04-01 23:60:00', 'invalid time'],
    ['2024-04-01 23:59:60', 'invalid time'],
  ];
  for (const [s, why] of cases) {
    assert.ok(Number.isNaN(ts(s)), s);
    assert.equal(fieldError(), why, s);
  }
});

function parseRows(table: TableName, csv: string): { reasons: (string | null)[]; rows: Record<string, unknown>[] } {
  const p = new CsvParser();
  p.feed(Buffer.from(csv));
  p.end();
  assert.ok(p.next());
  const rp = new RowParser(table, p.record, `${table}/x.csv`);
  const reasons: (string | null)[] = [];
  const rows: Record<string, unknown>[] = [];
  while (p.next()) {
    const why = rp.parse(p.record);
    reasons.push(why);
    if (why !== null || rp.table !== 'transactions') {
      rows.push({});
      continue;
    }
    const r = rp.row as RowView<'transactions'>;
    rows.push({ storeId: r.storeId, userId: r.userId, cents: r.finalAmountCents, createdAt: r.createdAt, id: r.transactionId() });
  }
  return { reasons, rows };
}

test('transactions rows: every reject reason', () => {
  const h = 'transaction_id,store_id,user_id,final_amount,created_at,extra';
  const { reasons, rows } = parseRows(
    'transactions',
    [
      h,
      't1,1,,75.00,2024-01-01 06:00:00,x',
      '"t,2",2,140170.0,1.5,2024-01-01 06:00:00,',
      't3,1,,7a.5,2024-01-01 06:00:00,x',
      't4,x,,1,2024-01-01 06:00:00,x',
      't5,1,1.5,1,2024-01-01 06:00:00,x',
      't6,1,,1,2024-01-01,x',
      ',1,,1,2024-01-01 06:00:00,x',
      `${'a'.repeat(256)},1,,1,2024-01-01 06:00:00,x`,
      `${'é'.repeat(127)}a,1,,1,2024-01-01 06:00:00,x`,
      't9,1,,1',
      't"10,1,,1,2024-01-01 06:00:00,x',
      't11,-1,,1,2024-01-01 06:00:00,x',
    ].join('\n'),
  );
  assert.deepEqual(reasons, [
    null,
    null,
    "final_amount: not a number: '7a.5'",
    "store_id: not an integer: 'x'",
    "user_id: not an integer: '1.5'",
    "created_at: not a timestamp (YYYY-MM-DD HH:MM:SS): '2024-01-01'",
    'transaction_id: empty',
    'transaction_id: longer than 255 bytes',
    null,
    'expected 6 columns, got 4',
    'malformed CSV: quote inside an unquoted field',
    "store_id: out of range: '-1'",
  ]);
  assert.deepEqual(rows[0], { storeId: 1, userId: -1, cents: 7500, createdAt: 1704088800, id: 't1' });
  assert.deepEqual(rows[1], { storeId: 2, userId: 140170, cents: 150, createdAt: 1704088800, id: 't,2' });
});

test('other tables: columns by name, rejects', () => {
  const items = parseRows(
    'transaction_items',
    'created_at,subtotal,quantity,item_id\n2025-06-30 10:00:00,10.5,-2,3\n2025-06-30 10:00:00,1,2.5,3\n2025-06-30 10:00:00,1.234,2,3\n',
  );
  assert.deepEqual(items.reasons, [null, "quantity: not an integer: '2.5'", "subtotal: more than 2 decimals: '1.234'"]);
  const users = parseRows('users', 'user_id,gender,birthdate,registered_at\n5.0,f,1990-01-01,x\nx,f,1990-01-01,x\n');
  assert.deepEqual(users.reasons, [null, "user_id: not an integer: 'x'"]);
});

test('missing required column is a DatasetError naming file and column', () => {
  assert.throws(
    () => parseRows('stores', 'store_id,name\n1,a\n'),
    (e: unknown) => e instanceof DatasetError && /stores\/x\.csv: missing column 'store_name'/.test(e.message),
  );
});
