import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BatchDecodeError } from '../node/errors.js';
import { BatchEncoder, decodeBatch, stringAt } from './batch-codec.js';
import { decodeRows, encodeRows, type TransactionRow } from '../testing/batch-rows.js';

const tx: TransactionRow[] = [
  { transactionId: 'a-1', storeId: 3, userId: -1, finalAmountCents: 7500, createdAt: 4102444799 },
  { transactionId: 'ü "quoted", id', storeId: 2147483647, userId: 140170, finalAmountCents: -5, createdAt: 0 },
  { transactionId: '', storeId: 0, userId: 0, finalAmountCents: -2147483648, createdAt: 1704067200 },
];

test('round trip of every table', () => {
  assert.deepEqual(decodeRows(encodeRows('transactions', tx)), { table: 'transactions', rows: tx });
  const items = [{ itemId: 1, quantity: -3, subtotalCents: 1050, createdAt: 1704067200 }];
  assert.deepEqual(decodeRows(encodeRows('transaction_items', items)), { table: 'transaction_items', rows: items });
  const stores = [
    { storeId: 1, storeName: 'G Coffee @ "Kuala, Lumpur"' },
    { storeId: 2, storeName: '' },
  ];
  assert.deepEqual(decodeRows(encodeRows('stores', stores)), { table: 'stores', rows: stores });
  const menu = [{ itemId: 8, itemName: 'Matcha 抹茶' }];
  assert.deepEqual(decodeRows(encodeRows('menu_items', menu)), { table: 'menu_items', rows: menu });
  const users = [{ userId: 7, birthdate: '1990-01-31' }];
  assert.deepEqual(decodeRows(encodeRows('users', users)), { table: 'users', rows: users });
  assert.deepEqual(decodeRows(encodeRows('users', [])), { table: 'users', rows: [] });
  assert.equal(encodeRows('users', []).length, 12);
  assert.equal(encodeRows('transaction_items', []).length, 8);
});

test('exact layout: header, columns, offsets, heap', () => {
  const p = encodeRows('stores', [
    { storeId: 5, storeName: 'ab' },
    { storeId: 6, storeName: 'c' },
  ]);
  assert.deepEqual([...p], [0xcb, 1, 1, 0, 2, 0, 0, 0, 5, 0, 0, 0, 6, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 0x61, 0x62, 0x63]);
  const t = decodeBatch(encodeRows('transactions', tx));
  assert.equal(t.table, 'transactions');
  if (t.table !== 'transactions') return;
  assert.ok(t.userId instanceof Int32Array && t.createdAt instanceof Uint32Array);
  assert.equal(t.createdAt[0], 4102444799);
  assert.equal(stringAt(t.idOffsets, t.idHeap, 1), 'ü "quoted", id');
});

test('encoder grows, is reusable after finish, byteLength is exact', () => {
  const enc = new BatchEncoder('transactions', 16);
  for (let i = 0; i < 1000; i++) {
    enc.setNum(0, i);
    enc.setNum(1, -1);
    enc.setNum(2, i * 3);
    enc.setNum(3, 1704067200 + i);
    enc.setString(`id-${i}`);
    enc.commitRow();
  }
  const expected = enc.byteLength;
  const p = enc.finish();
  assert.equal(p.length, expected);
  const d = decodeRows(p);
  assert.equal(d.rows.length, 1000);
  assert.deepEqual(d.rows[999], { transactionId: 'id-999', storeId: 999, userId: -1, finalAmountCents: 2997, createdAt: 1704068199 });
  assert.equal(enc.rows, 0);
  assert.equal(decodeRows(enc.finish()).rows.length, 0);
});

test('unaligned payloads are decoded (copied)', () => {
  const p = encodeRows('transactions', tx);
  const big = Buffer.alloc(p.length + 1);
  p.copy(big, 1);
  const view = big.subarray(1);
  assert.notEqual(view.byteOffset % 4, 0);
  assert.deepEqual(decodeRows(view).rows, tx);
});

test('every decoder error', () => {
  const good = encodeRows('stores', [
    { storeId: 1, storeName: 'ab' },
    { storeId: 2, storeName: 'c' },
  ]);
  const mutate = (f: (b: Buffer) => Buffer): Buffer => f(Buffer.from(good));
  const expectErr = (p: Buffer, re: RegExp): void => {
    assert.throws(
      () => decodeBatch(p),
      (e: unknown) => e instanceof BatchDecodeError && e.code === 'ERR_BATCH_MALFORMED' && re.test(e.message),
    );
  };
  expectErr(Buffer.from([0xcb, 1, 1]), /too short/);
  expectErr(
    mutate((b) => ((b[0] = 0), b)),
    /magic/,
  );
  expectErr(
    mutate((b) => ((b[1] = 2), b)),
    /version/,
  );
  expectErr(
    mutate((b) => ((b[2] = 9), b)),
    /unknown table code 9/,
  );
  expectErr(
    mutate((b) => ((b[2] = 0), b)),
    /unknown table code 0/,
  );
  expectErr(
    mutate((b) => ((b[3] = 1), b)),
    /reserved/,
  );
  expectErr(
    mutate((b) => (b.writeUInt32LE(0xffffffff, 4), b)),
    /truncated/,
  );
  expectErr(good.subarray(0, good.length - 1), /does not match/);
  expectErr(Buffer.concat([good, Buffer.from([0])]), /does not match/);
  expectErr(
    mutate((b) => (b.writeUInt32LE(1, 16), b)),
    /start at 0/,
  );
  expectErr(
    mutate((b) => (b.writeUInt32LE(4, 20), b)),
    /decrease at row 1/,
  );
  const items = encodeRows('transaction_items', [{ itemId: 1, quantity: 1, subtotalCents: 1, createdAt: 1 }]);
  expectErr(Buffer.concat([items, Buffer.alloc(4)]), /does not match 1 transaction_items rows/);
  expectErr(items.subarray(0, 20), /truncated/);
});
