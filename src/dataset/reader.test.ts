import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DatasetError } from '../node/errors.js';
import { decodeRows, type TransactionRow } from '../testing/batch-rows.js';
import { listTableFiles } from './files.js';
import { forEachRow, readTableBatches, validateDataset } from './reader.js';
import { BatchEncoder } from './batch-codec.js';
import type { RejectedRow } from './rows.js';

function tmp(): string {
  return mkdtempSync(path.join(tmpdir(), 'dataset-test-'));
}

test('readTableBatches: quoted names, CRLF, BOM, rejects with file and line, batch sizes', async () => {
  const dir = tmp();
  try {
    mkdirSync(path.join(dir, 'stores'));
    writeFileSync(
      path.join(dir, 'stores', 'b.csv'),
      '\ufeffstore_id,store_name,city\r\n1,"G Coffee @ ""KL"", Central",KL\r\n\r\n2,Café ü,x\r\nbad,y,z\r\n',
    );
    writeFileSync(path.join(dir, 'stores', 'a.csv'), 'city,store_name,store_id\nX,"multi\nline",3\nX,four\n');
    writeFileSync(path.join(dir, 'stores', 'ignored.txt'), 'nope');
    const batches = [];
    for await (const b of readTableBatches(dir, 'stores')) batches.push(b);
    assert.equal(batches.length, 1);
    const b = batches[0];
    assert.deepEqual(decodeRows(b.payload), {
      table: 'stores',
      rows: [
        { storeId: 3, storeName: 'multi\nline' },
        { storeId: 1, storeName: 'G Coffee @ "KL", Central' },
        { storeId: 2, storeName: 'Café ü' },
      ],
    });
    assert.equal(b.rows, 3);
    assert.deepEqual(b.rejects, [
      { file: 'stores/a.csv', line: 4, reason: 'expected 3 columns, got 2' },
      { file: 'stores/b.csv', line: 5, reason: "store_id: not an integer: 'bad'" },
    ]);
    const total = statSync(path.join(dir, 'stores', 'a.csv')).size + statSync(path.join(dir, 'stores', 'b.csv')).size;
    assert.equal(b.inputBytes, total);

    // Many rows, small batches: every batch within the limit, rows and bytes add up.
    mkdirSync(path.join(dir, 'transactions'));
    const expected: TransactionRow[] = [];
    const lines = ['transaction_id,store_id,payment_method_id,voucher_id,user_id,original_amount,discount_applied,final_amount,created_at'];
    for (let i = 0; i < 5000; i++) {
      lines.push(`tx-${i},${i % 10},1,,${i % 3 === 0 ? '' : `${i}.0`},9.5,0,${i}.25,2024-03-01 10:00:00`);
      expected.push({
        transactionId: `tx-${i}`,
        storeId: i % 10,
        userId: i % 3 === 0 ? -1 : i,
        finalAmountCents: i * 100 + 25,
        createdAt: 1709287200,
      });
    }
    lines.push('oops,1,1,,,1,0,1,2024-13-01 10:00:00');
    writeFileSync(path.join(dir, 'transactions', 'transactions_202403.csv'), lines.join('\n') + '\n');
    const got: TransactionRow[] = [];
    const rejects: RejectedRow[] = [];
    let bytes = 0;
    let n = 0;
    for await (const tb of readTableBatches(dir, 'transactions', { maxBatchBytes: 4096 })) {
      assert.ok(tb.payload.length <= 4096);
      const d = decodeRows(tb.payload);
      assert.equal(d.rows.length, tb.rows);
      got.push(...(d.rows as TransactionRow[]));
      rejects.push(...tb.rejects);
      bytes += tb.inputBytes;
      n++;
    }
    assert.ok(n > 10);
    assert.deepEqual(got, expected);
    assert.deepEqual(rejects, [
      { file: 'transactions/transactions_202403.csv', line: 5002, reason: "created_at: invalid date: '2024-13-01 10:00:00'" },
    ]);
    assert.equal(bytes, statSync(path.join(dir, 'transactions', 'transactions_202403.csv')).size);

    // The same through forEachRow.
    let sum = 0;
    const rej: RejectedRow[] = [];
    const res = await forEachRow(
      dir,
      'transactions',
      (t) => {
        sum += t.finalAmountCents;
      },
      (r) => rej.push(r),
    );
    assert.equal(res.rows, 5000);
    assert.equal(res.rejected, 1);
    assert.equal(
      sum,
      expected.reduce((a, t) => a + t.finalAmountCents, 0),
    );
    assert.deepEqual(rej, rejects);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a batch of only rejects is yielded with an empty valid payload', async () => {
  const dir = tmp();
  try {
    mkdirSync(path.join(dir, 'users'));
    writeFileSync(path.join(dir, 'users', 'u.csv'), 'user_id,birthdate\nx,1990-01-01\n');
    const out = [];
    for await (const b of readTableBatches(dir, 'users')) out.push(b);
    assert.equal(out.length, 1);
    assert.equal(out[0].rows, 0);
    assert.deepEqual(decodeRows(out[0].payload), { table: 'users', rows: [] });
    assert.equal(out[0].rejects.length, 1);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('dataset errors: missing folder, no csv, empty file, missing column', async () => {
  const dir = tmp();
  try {
    const isDs = (re: RegExp) => (e: unknown) => e instanceof DatasetError && e.code === 'ERR_DATASET' && re.test(e.message);
    await assert.rejects(listTableFiles(dir, 'users'), isDs(/users is missing/));
    mkdirSync(path.join(dir, 'users'));
    await assert.rejects(listTableFiles(dir, 'users'), isDs(/has no \.csv file/));
    writeFileSync(path.join(dir, 'users', 'u.csv'), '');
    await assert.rejects(
      forEachRow(dir, 'users', () => {}),
      isDs(/users\/u\.csv: empty file/),
    );
    writeFileSync(path.join(dir, 'users', 'u.csv'), 'user_id,gender\n1,f\n');
    await assert.rejects(
      async () => {
        for await (const _ of readTableBatches(dir, 'users')) void _;
      },
      isDs(/users\/u\.csv: missing column 'birthdate'/),
    );
    await assert.rejects(validateDataset(dir), isDs(/stores is missing/));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('readTableBatches: UUID ids packed per batch, a batch with one other id kept as text, every id exact', async () => {
  const dir = tmp();
  try {
    mkdirSync(path.join(dir, 'transactions'));
    const header = 'transaction_id,store_id,payment_method_id,voucher_id,user_id,original_amount,discount_applied,final_amount,created_at';
    const ids: string[] = [];
    const lines = [header];
    for (let i = 0; i < 2000; i++) {
      const id = i === 1000 ? 'legacy-1000' : `${i.toString(16).padStart(8, '0')}-5ea7-406e-9feb-e94af07115c7`;
      ids.push(id);
      // Quoted fields are unescaped before packing.
      lines.push(`${i % 7 === 0 ? `"${id}"` : id},1,1,,5,95,0,95,2024-03-01 10:00:00`);
    }
    writeFileSync(path.join(dir, 'transactions', 'transactions_202403.csv'), lines.join('\n') + '\n');
    const got: string[] = [];
    const modes: number[] = [];
    for await (const tb of readTableBatches(dir, 'transactions', { maxBatchBytes: 8192 })) {
      // Packed: header, four 5-byte column headers, 1 byte each of store, user, cents and time (all constant), mode, 16 bytes an id.
      const rows = tb.rows;
      modes.push(tb.payload.length === 8 + 4 * 5 + rows * 4 + 1 + rows * 16 ? 1 : 0);
      got.push(...(decodeRows(tb.payload).rows as TransactionRow[]).map((r) => r.transactionId));
    }
    assert.deepEqual(got, ids);
    assert.equal(modes.filter((m) => m === 0).length, 1, `modes ${modes.join('')}`);
    assert.ok(modes.length > 5);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a row larger than one batch may be is an ordinary rejected row (file and line), the rest is read', async () => {
  const dir = tmp();
  try {
    mkdirSync(path.join(dir, 'stores'));
    const huge = 'x'.repeat(64 * 1024);
    writeFileSync(path.join(dir, 'stores', 'a.csv'), `store_id,store_name\n1,one\n2,${huge}\n3,three\n`);
    const batches = [];
    for await (const b of readTableBatches(dir, 'stores', { maxRowBytes: 16 * 1024, maxRecordBytes: 1 << 20 })) batches.push(b);
    const rows: unknown[] = batches.flatMap((b): unknown[] => (b.payload.length > 0 ? decodeRows(b.payload).rows : []));
    assert.deepEqual(
      rows.map((r) => (r as { storeId: number }).storeId),
      [1, 3],
    );
    assert.deepEqual(
      batches.flatMap((b) => b.rejects),
      [{ file: 'stores/a.csv', line: 3, reason: 'row too large: one batch holds at most 16384 bytes' }],
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a record over the maximum record size fails the read naming file and line', async () => {
  const dir = tmp();
  try {
    mkdirSync(path.join(dir, 'stores'));
    writeFileSync(path.join(dir, 'stores', 'a.csv'), `store_id,store_name\n1,one\n2,"${'x'.repeat(256 * 1024)}\n`);
    await assert.rejects(
      (async () => {
        for await (const b of readTableBatches(dir, 'stores', { maxRecordBytes: 64 * 1024 })) void b;
      })(),
      (err: unknown) => (err as { code?: string }).code === 'ERR_RECORD_TOO_LARGE' && /a\.csv: the record at line 3/.test(String(err)),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('readTableBatches: a batch of packed ids is cut before a row that would turn them to text past the limit', async () => {
  const dir = tmp();
  try {
    mkdirSync(path.join(dir, 'transactions'));
    const maxBatchBytes = 20_000;
    // As many rows as fit with packed ids; the last of them has an id that does not pack, and
    // with every id as text that many rows would not fit.
    const empty = new BatchEncoder('transactions');
    const fit = Math.floor((maxBatchBytes - empty.byteLength) / empty.packedRowBytes);
    assert.ok(empty.byteLengthWith(36, false) + (fit - 1) * (empty.rowBytes(36) + 4) > maxBatchBytes, 'as text they would not fit');
    const lines = ['transaction_id,store_id,payment_method_id,voucher_id,user_id,original_amount,discount_applied,final_amount,created_at'];
    const id = (i: number): string => (i === fit - 1 ? 'NOT-A-UUID' : `${(0x10000000 + i).toString(16)}-aaaa-4bbb-8ccc-dddddddddddd`);
    for (let i = 0; i < 2 * fit; i++)
      lines.push(`${id(i)},${1 + (i % 9)},1,,${i + 1}.0,90.5,0,${i % 2 === 0 ? '80.5' : '10.0'},2024-03-01 10:00:00`);
    writeFileSync(path.join(dir, 'transactions', 't.csv'), lines.join('\n') + '\n');
    for (const fastPath of [true, false]) {
      const batches = [];
      for await (const b of readTableBatches(dir, 'transactions', { maxBatchBytes, fastPath })) batches.push(b);
      for (const b of batches) assert.ok(b.payload.length <= maxBatchBytes, `fastPath ${fastPath}: ${b.payload.length} bytes`);
      assert.equal(batches[0].rows, fit - 1, `fastPath ${fastPath}: cut before the id that does not pack`);
      const ids = batches.flatMap((b) => (decodeRows(b.payload).rows as TransactionRow[]).map((r) => r.transactionId));
      assert.equal(ids.length, 2 * fit);
      assert.equal(ids[fit - 1], 'NOT-A-UUID');
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
