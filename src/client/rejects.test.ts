import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { RejectsFile } from './rejects.js';

const row = (file: string, line: number): { file: string; line: number; reason: string } => ({ file, line, reason: 'bad, "x"' });

test('rejects file: sources read at the same time are joined in table order, then in part order, whatever order they came in', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'coffee-rejects-'));
  const r = new RejectsFile(dir);
  r.perTable();
  r.add([row('transaction_items/b.csv', 4)], 'transaction_items', 1);
  r.add([row('transaction_items/a.csv', 9)], 'transaction_items', 0);
  r.add([row('transactions/t.csv', 2), row('transactions/t.csv', 3)], 'transactions', 0);
  r.add([row('users/u.csv', 7)], 'users', 0);
  assert.equal(r.count, 5);
  assert.equal(await r.close(), path.join(dir, 'rejected_rows.csv'));
  assert.equal(
    readFileSync(path.join(dir, 'rejected_rows.csv'), 'utf8'),
    [
      'file,line,reason',
      'users/u.csv,7,"bad, ""x"""',
      'transactions/t.csv,2,"bad, ""x"""',
      'transactions/t.csv,3,"bad, ""x"""',
      'transaction_items/a.csv,9,"bad, ""x"""',
      'transaction_items/b.csv,4,"bad, ""x"""',
      '',
    ].join('\n'),
  );
  assert.deepEqual(readdirSync(dir), ['rejected_rows.csv'], 'no part file left');
});

test('rejects file: none rejected, no file; a failed run discards its parts', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'coffee-rejects-'));
  const r = new RejectsFile(dir);
  r.perTable();
  assert.equal(await new RejectsFile(dir).close(), null);
  r.add([row('users/u.csv', 7)], 'users', 0);
  r.discardParts();
  assert.deepEqual(readdirSync(dir), []);
});
