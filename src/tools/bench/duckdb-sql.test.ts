import { test } from 'node:test';
import assert from 'node:assert/strict';
import { duckdbStatements, sqlString } from './duckdb-sql.js';

test('sqlString doubles single quotes', () => {
  assert.equal(sqlString("it's"), "'it''s'");
});

test('statements: 2 threads by default, every table folder read once, the five reports written', () => {
  const sql = duckdbStatements("/data/o'k", '/out');
  assert.equal(sql[0], 'SET threads = 2');
  const all = sql.join('\n');
  for (const table of ['transactions', 'transaction_items', 'users', 'stores', 'menu_items']) {
    const reads = all.split(`'/data/o''k/${table}/*.csv'`).length - 1;
    assert.equal(reads, 1, `${table} read once`);
  }
  for (const f of ['q1_transactions.csv', 'q2_best_selling.csv', 'q2_most_profit.csv', 'q3_tpv.csv', 'q4_top_customers.csv'])
    assert.ok(all.includes(`TO '/out/${f}'`), f);
  assert.equal(duckdbStatements('/d', '/o', 1)[0], 'SET threads = 1');
});
