import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BatchDecodeError } from '../node/errors.js';
import {
  BatchEncoder,
  ColumnScratch,
  columnBounds,
  decodeBatch,
  stringAt,
  TextRowReader,
  textIsPackedUuids,
  type TransactionItemsBatch,
} from './batch-codec.js';
import { validateBatchValues } from './batch-validate.js';
import { decodeRows, encodeRows, type TransactionRow } from '../testing/batch-rows.js';
import { deriveRandom } from '../tools/generator/random.js';

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
  assert.equal(encodeRows('users', []).length, 8 + 5 + 1 + 4);
  assert.equal(encodeRows('transaction_items', []).length, 8 + 4 * 5);
});

test('exact layout: header, columns, offsets, heap', () => {
  const p = encodeRows('stores', [
    { storeId: 5, storeName: 'ab' },
    { storeId: 6, storeName: 'c' },
  ]);
  // prettier-ignore
  assert.deepEqual([...p], [
    0xcb, 2, 1, 0, 2, 0, 0, 0, // header: version 2, stores, 2 rows
    1, 5, 0, 0, 0, 0, 1, // store_id: width 1, base 5, deltas 0 and 1
    0, 0, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 0x61, 0x62, 0x63, // text mode 0: offsets, heap
  ]);
  const t = decodeBatch(encodeRows('transactions', tx));
  assert.equal(t.table, 'transactions');
  if (t.table !== 'transactions') return;
  assert.ok(t.userId instanceof Int32Array && t.createdAt instanceof Uint32Array);
  assert.equal(t.createdAt[0], 4102444799);
  assert.equal(stringAt(t.idOffsets, t.idHeap, 1), 'ü "quoted", id');
});

test('version 1 payloads are still decoded', () => {
  const v1 = Buffer.from([0xcb, 1, 1, 0, 2, 0, 0, 0, 5, 0, 0, 0, 6, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 0x61, 0x62, 0x63]);
  assert.deepEqual(decodeRows(v1).rows, [
    { storeId: 5, storeName: 'ab' },
    { storeId: 6, storeName: 'c' },
  ]);
});

const uuid = (i: number): string => `${i.toString(16).padStart(8, '0')}-5ea7-406e-9feb-e94af07115c${i % 10}`;

test('lowercase UUID ids travel as 16 bytes and come back as the same text', () => {
  const rows: TransactionRow[] = [];
  for (let i = 0; i < 100; i++)
    rows.push({
      transactionId: uuid(i * 7919),
      storeId: 1 + (i % 10),
      userId: i % 3 === 0 ? -1 : 1000 + i,
      // Every row of at least 75.00: Q1 may need every id, so all travel (mode 1).
      finalAmountCents: 7550 + i,
      createdAt: 1704067200 + i * 3600,
    });
  const p = encodeRows('transactions', rows);
  // store 1 byte, user 2 (range -1..1099), cents 1, time 3 (range 356400 s), id 16; plus headers
  assert.equal(p.length, 8 + 4 * 5 + 100 * (1 + 2 + 1 + 3) + 1 + 100 * 16);
  assert.deepEqual(decodeRows(p).rows, rows);
  const t = decodeBatch(p);
  if (t.table !== 'transactions') return assert.fail('not transactions');
  assert.equal(t.idOffsets[100], 3600);
  assert.equal(t.idHeap.toString('latin1', 36, 72), rows[1].transactionId);
});

test('the gateway validates a packed-id batch without unpacking its ids; a text-mode one is still checked', () => {
  const rows: TransactionRow[] = [0, 1, 2].map((i) => ({
    transactionId: uuid(i),
    storeId: 1,
    userId: 2,
    finalAmountCents: 3,
    createdAt: 4,
  }));
  const packed = decodeBatch(encodeRows('transactions', rows));
  assert.equal(textIsPackedUuids(packed), true);
  assert.equal(validateBatchValues(packed), null);
  // The text column is expanded on first use only: validation left it alone.
  assert.equal((packed as unknown as { text: unknown }).text, undefined);
  const text = decodeBatch(encodeRows('transactions', [...rows, { ...rows[0], transactionId: 'x'.repeat(256) }]));
  assert.equal(textIsPackedUuids(text), false);
  assert.match(validateBatchValues(text) ?? '', /transaction_id of 256 bytes/);
});

test('TextRowReader reads single rows of packed and text columns, without expanding packed ones', () => {
  const ids = [uuid(1), uuid(2), uuid(3)];
  const rows = (list: string[]): TransactionRow[] =>
    list.map((id) => ({ transactionId: id, storeId: 1, userId: 2, finalAmountCents: 7500, createdAt: 4 }));
  for (const list of [ids, [...ids, 'not-a-uuid', '']]) {
    const b = decodeBatch(encodeRows('transactions', rows(list)));
    const r = new TextRowReader(b);
    const seen = list.map((_, i) => {
      r.at(i);
      return Buffer.from(r.bytes.subarray(r.start, r.end)).toString('utf8');
    });
    assert.deepEqual(seen, list);
    assert.equal((b as unknown as { text: unknown }).text === undefined, list === ids);
  }
});

/** 21 packed-id transactions, every third of at least 75.00 (its id needed by Q1), the others below. */
function mixedAmounts(): TransactionRow[] {
  return Array.from({ length: 21 }, (_, i) => ({
    transactionId: uuid(i * 104729 + 7),
    storeId: 1,
    userId: 2,
    finalAmountCents: i % 3 === 0 ? 7500 + i : 7499 - i,
    createdAt: 4,
  }));
}

test('ids no query needs are left out (text mode 2: presence bits, then the needed ids); the needed ones come back exact', () => {
  const rows = mixedAmounts();
  const p = encodeRows('transactions', rows);
  // header, 4 column headers, 1 byte each of store, user, cents (range 7479..7518 fits 1 byte) and time; mode, 3 bytes of bits, 7 ids
  assert.equal(p.length, 8 + 4 * 5 + 21 * 4 + 1 + 3 + 7 * 16);
  assert.equal(p[8 + 4 * 5 + 21 * 4], 2, 'text mode');
  const expected = rows.map((r, i) => (i % 3 === 0 ? r.transactionId : ''));
  assert.deepEqual(
    (decodeRows(p).rows as TransactionRow[]).map((r) => r.transactionId),
    expected,
  );
  // Row by row, without expanding the column, in any order.
  const b = decodeBatch(p);
  const r = new TextRowReader(b);
  for (const i of [20, 0, 3, 1, 18, 2, 9]) {
    r.at(i);
    assert.equal(Buffer.from(r.bytes.subarray(r.start, r.end)).toString('latin1'), expected[i], `row ${i}`);
  }
  assert.equal((b as unknown as { text: unknown }).text, undefined);
  assert.equal(textIsPackedUuids(b), true);
  assert.equal(validateBatchValues(b), null);
  // Every row needed: all ids travel, no presence bits (mode 1).
  const all = encodeRows(
    'transactions',
    rows.map((row) => ({ ...row, finalAmountCents: 9000 })),
  );
  assert.equal(all[8 + 4 * 5 + 21 * 4], 1);
  // One id that is not a UUID: the batch goes to text mode with every id, needed or not.
  const text = encodeRows('transactions', [...rows, { ...rows[1], transactionId: 'legacy-7' }]);
  assert.deepEqual(
    (decodeRows(text).rows as TransactionRow[]).map((row) => row.transactionId),
    [...rows.map((row) => row.transactionId), 'legacy-7'],
  );
});

test('the gateway rejects a mode-2 batch that leaves out an id a query needs, and malformed presence bits', () => {
  const p = encodeRows('transactions', mixedAmounts());
  const bits = 8 + 4 * 5 + 21 * 4 + 1;
  // Row 3 (75.03) needed: clear its bit and drop its id (the second one).
  const forged = Buffer.concat([p.subarray(0, bits + 3 + 16), p.subarray(bits + 3 + 32)]);
  forged[bits] &= ~(1 << 3);
  assert.match(
    validateBatchValues(decodeBatch(forged)) ?? '',
    /row 3: transaction_id left out, but a query needs it \(final_amount 7503 on the wire, at least 7500\)/,
  );
  // An extra id for a row no query needs is harmless (the client may send more than needed).
  const extra = Buffer.concat([p.subarray(0, bits + 3), Buffer.from(p.subarray(bits + 3, bits + 3 + 16)), p.subarray(bits + 3)]);
  extra[bits] |= 1 << 1;
  assert.equal(validateBatchValues(decodeBatch(extra)), null);
  // A bit past the 21 rows, and a count of ids that does not match the bits.
  const past = Buffer.from(p);
  past[bits + 2] |= 0x80;
  assert.throws(() => decodeBatch(past), /presence bits set past the 21 transactions rows/);
  assert.throws(() => decodeBatch(p.subarray(0, p.length - 1)), /7 packed ids/);
});

test('a column header bounds its values: every decoded value lies within, and null where they could wrap', () => {
  const r = deriveRandom(11, 1);
  // Two-row item batches whose first column (item_id, u32) is forged to every width and to bases
  // near both ends of the u32 range, values random: a hostile client picks any header.
  const p = encodeRows('transaction_items', [
    { itemId: 0, quantity: -5, subtotalCents: 1, createdAt: 3 },
    { itemId: 1, quantity: 7, subtotalCents: 2, createdAt: 3 },
  ]);
  const rest = p.subarray(8 + 5 + 2 * p[8]);
  for (let round = 0; round < 200; round++) {
    const w = 1 + r.int(4);
    const edge = [0, 0x7fffffff, 0x80000000, 0xffffffff][round % 4];
    const base = (edge - Math.floor(r.float() * 2 ** (8 * w))) >>> 0;
    const column = Buffer.alloc(5 + 2 * w);
    column[0] = w;
    column.writeUInt32LE(base, 1);
    for (let i = 5; i < column.length; i++) column[i] = r.int(256);
    const batch = decodeBatch(Buffer.concat([p.subarray(0, 8), column, rest])) as TransactionItemsBatch;
    const bounds = columnBounds(batch, 'itemId');
    const span = 2 ** (8 * w) - 1;
    assert.equal(bounds === null, base + span > 0xffffffff, `width ${w} base ${base}`);
    if (bounds === null) continue;
    assert.deepEqual(bounds, { min: base, max: base + span });
    for (const v of batch.itemId) assert.ok(v >= bounds.min && v <= bounds.max, `${v} in ${bounds.min}..${bounds.max}`);
  }
  // Signed columns: the i32 range's end is where values wrap.
  const b = decodeBatch(
    encodeRows('transaction_items', [
      { itemId: 1, quantity: 2147483647 - 300, subtotalCents: -2147483648, createdAt: 3 },
      { itemId: 1, quantity: 2147483647, subtotalCents: -2147483648 + 255, createdAt: 3 },
    ]),
  );
  assert.equal(columnBounds(b, 'quantity'), null); // base + 65535 passes 2^31 - 1
  assert.deepEqual(columnBounds(b, 'subtotalCents'), { min: -2147483648, max: -2147483648 + 255 });
  assert.throws(() => columnBounds(b, 'userId'), /no numeric column userId/);
});

test('the gateway checks id ranges from the column headers when they suffice, and reads the values when not', () => {
  const rows = [0, 1, 2].map((i) => ({ transactionId: uuid(i), storeId: 10 + i, userId: i - 1, finalAmountCents: 3, createdAt: 4 }));
  const honest = decodeBatch(encodeRows('transactions', rows));
  assert.equal(validateBatchValues(honest), null);
  // Neither id column, nor final_amount (no row reaches 75.00), was expanded: cols[k] stays unset.
  assert.deepEqual((honest as unknown as { cols: unknown[] }).cols, [undefined, undefined, undefined, undefined]);
  // An item id header whose bound passes 2^31 - 1: the values are read, and an id above is refused...
  const items = encodeRows('transaction_items', [
    { itemId: 2147483640, quantity: 1, subtotalCents: 1, createdAt: 3 },
    { itemId: 2147483647, quantity: 1, subtotalCents: 1, createdAt: 3 },
  ]);
  assert.equal(items[8], 1); // one byte per value: bounds 2147483640..2147483895
  assert.equal(validateBatchValues(decodeBatch(items)), null);
  items[13 + 1] = 8; // ...2147483648
  assert.match(validateBatchValues(decodeBatch(items)) ?? '', /row 1: item_id 2147483648 is out of range \(0\.\.2147483647\)/);
  // A user id column whose header starts below -1: read, and the row below -1 named.
  const tx = encodeRows('transactions', rows);
  const userHeader = 8 + 5 + 3 * tx[8];
  tx.writeInt32LE(-3, userHeader + 1);
  assert.match(validateBatchValues(decodeBatch(tx)) ?? '', /row 0: user_id -3 is out of range/);
});

test('one id that is not a lowercase UUID keeps the batch in text mode, exact', () => {
  const base: TransactionRow = { transactionId: '', storeId: 1, userId: 2, finalAmountCents: 3, createdAt: 4 };
  for (const odd of [
    uuid(5).toUpperCase(),
    `${uuid(5)}x`,
    uuid(5).slice(1),
    uuid(5).replace('-', 'x'),
    uuid(5).replace('e', 'g'),
    'short',
  ]) {
    const rows = [uuid(1), odd, uuid(2)].map((id) => ({ ...base, transactionId: id }));
    const p = encodeRows('transactions', rows);
    assert.equal(p[8 + 4 * 5 + 3 * 4], 0, `text mode of ${odd}`);
    assert.deepEqual(decodeRows(p).rows, rows);
  }
});

test('packed numbers: every width, u32 above 2^31, i32 extremes', () => {
  const items = [
    { itemId: 4294967295, quantity: -2147483648, subtotalCents: 7, createdAt: 0 },
    { itemId: 0, quantity: 2147483647, subtotalCents: 7, createdAt: 2147483648 },
    { itemId: 2147483648, quantity: 0, subtotalCents: 7 + 255, createdAt: 65535 },
  ];
  assert.deepEqual(decodeRows(encodeRows('transaction_items', items)).rows, items);
  for (const span of [1, 255, 256, 65535, 65536, 0xffffff, 0x1000000, 0xffffffff]) {
    const rows = [
      { itemId: 0, quantity: -5, subtotalCents: 0, createdAt: 3 },
      { itemId: span, quantity: -5 + (span % 2 ** 31), subtotalCents: 0, createdAt: 3 },
    ];
    assert.deepEqual(decodeRows(encodeRows('transaction_items', rows)).rows, rows, `span ${span}`);
  }
});

test('a column scratch: the same values as fresh columns, in memory reused from batch to batch', () => {
  const scratch = new ColumnScratch();
  const items = (n: number, seed: number): { itemId: number; quantity: number; subtotalCents: number; createdAt: number }[] =>
    Array.from({ length: n }, (_, i) => ({
      itemId: (i * seed) % 4294967296,
      quantity: i % 2 === 0 ? -i * seed : i,
      subtotalCents: i * 3 + seed,
      createdAt: 2147483648 + i * seed,
    }));
  const read = (payload: Buffer, s?: ColumnScratch): number[][] => {
    const b = decodeBatch(payload, s);
    if (b.table !== 'transaction_items') throw new Error(b.table);
    return [Array.from(b.itemId), Array.from(b.quantity), Array.from(b.subtotalCents), Array.from(b.createdAt)];
  };
  const buffers: ArrayBufferLike[] = [];
  // Growing, shrinking, growing past the first size; signed and unsigned columns; another table in between.
  for (const [n, seed] of [
    [100, 7],
    [3, 11],
    [5000, 13],
    [0, 1],
    [4000, 17],
  ] as const) {
    const payload = encodeRows('transaction_items', items(n, seed));
    assert.deepEqual(read(payload, scratch), read(payload), `${n} rows`);
    const b = decodeBatch(payload, scratch);
    if (b.table !== 'transaction_items') throw new Error(b.table);
    assert.equal(b.quantity.length, n);
    assert.ok(b.quantity instanceof Int32Array && b.itemId instanceof Uint32Array);
    buffers.push(b.quantity.buffer);
    const t = decodeBatch(encodeRows('transactions', tx), scratch);
    if (t.table !== 'transactions') throw new Error(t.table);
    assert.deepEqual(Array.from(t.userId), [-1, 140170, 0]);
  }
  // One allocation per growth (100, then 5000 rows), none for the batches that fit.
  assert.equal(new Set(buffers).size, 2);
  assert.equal(buffers[3], buffers[2]);
  assert.equal(buffers[4], buffers[2]);
});

test('encoder: byteLength bounds every text mode, and byteLengthWith predicts it row by row', () => {
  // Ids packed (mode 1: every amount needed; mode 2: a few needed), a batch that turns to text at
  // its first non-UUID id after many packed rows, and text from the first row.
  const shapes: Array<{ name: string; textAt: number; needed: number; notNeededAt?: number; wide?: boolean }> = [
    { name: 'all packed, all needed', textAt: -1, needed: 1 },
    { name: 'all packed, few needed', textAt: -1, needed: 0.03 },
    // Numbers over their whole range (4 bytes each, as the bound counts them): only the presence bits' bound is left.
    { name: 'all packed, all needed but one, wide numbers', textAt: -1, needed: 1, notNeededAt: 1000, wide: true },
    { name: 'turns to text late', textAt: 2900, needed: 0.03 },
    { name: 'text from the first row', textAt: 0, needed: 0.5 },
  ];
  for (const shape of shapes) {
    for (const rows of [1, 2, 9, 2900, 2901, 3000]) {
      const r = deriveRandom(4242, rows);
      const enc = new BatchEncoder('transactions', 16);
      for (let i = 0; i < rows; i++) {
        const id = Buffer.from(i === shape.textAt ? 'not-a-uuid' : r.uuid(), 'latin1');
        const packs = enc.wouldPack(id, 0, id.length);
        assert.equal(packs, enc.takesPackedRows && id.length === 36, `${shape.name}: row ${i} packs`);
        const before = enc.byteLength;
        const predicted = enc.byteLengthWith(id.length, packs);
        const w = shape.wide === true && i % 2 === 0;
        enc.setNum(0, w ? -1 : 1 + r.int(10)); // u32 0xffffffff
        enc.setNum(1, w ? -2147483648 : 1 + r.int(1_000_000));
        const needed = i !== shape.notNeededAt && r.float() < shape.needed;
        enc.setNum(2, w && needed ? 2147483647 : needed ? 7500 + r.int(100_000) : r.int(7500));
        enc.setNum(3, w ? 0 : 1704067200 + r.int(60_000_000));
        enc.setStringBytes(id, 0, id.length);
        enc.commitRow();
        assert.equal(enc.byteLength, predicted, `${shape.name}: row ${i}`);
        if (packs) assert.equal(enc.byteLength - before, enc.packedRowBytes, `${shape.name}: row ${i} adds packedRowBytes`);
      }
      const bound = enc.byteLength;
      const payload = enc.finish();
      assert.ok(payload.length <= bound, `${shape.name}, ${rows} rows: ${payload.length} > ${bound}`);
      assert.equal(decodeRows(payload).rows.length, rows);
    }
  }
});

test('encoder grows, is reusable after finish, byteLength bounds the size', () => {
  const enc = new BatchEncoder('transactions', 16);
  for (let i = 0; i < 1000; i++) {
    enc.setNum(0, i);
    enc.setNum(1, -1);
    enc.setNum(2, i * 3);
    enc.setNum(3, 1704067200 + i);
    enc.setString(`id-${i}`);
    enc.commitRow();
  }
  const bound = enc.byteLength;
  const p = enc.finish();
  assert.ok(p.length <= bound, `${p.length} > ${bound}`);
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
  // good: header 0..7, store_id width at 8, base 9..12, deltas 13..14, text mode 15, offsets 16..27, heap 28..30
  const mutate = (f: (b: Buffer) => Buffer): Buffer => f(Buffer.from(good));
  const expectErr = (p: Buffer, re: RegExp): void => {
    assert.throws(
      () => decodeBatch(p),
      (e: unknown) => e instanceof BatchDecodeError && e.code === 'ERR_BATCH_MALFORMED' && re.test(e.message),
    );
  };
  expectErr(Buffer.from([0xcb, 2, 1]), /too short/);
  expectErr(
    mutate((b) => ((b[0] = 0), b)),
    /magic/,
  );
  expectErr(
    mutate((b) => ((b[1] = 3), b)),
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
  for (const w of [0, 5, 255]) {
    expectErr(
      mutate((b) => ((b[8] = w), b)),
      /width/,
    );
  }
  expectErr(
    mutate((b) => ((b[15] = 2), b)),
    /text mode 2/,
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
  // A short payload cannot announce more rows than it has bytes for (no huge allocations).
  expectErr(
    (() => {
      const b = Buffer.from(items);
      b.writeUInt32LE(1_000_000, 4);
      return b;
    })(),
    /truncated/,
  );
  const ids = encodeRows('transactions', [{ transactionId: uuid(1), storeId: 1, userId: 1, finalAmountCents: 7500, createdAt: 1 }]);
  expectErr(ids.subarray(0, ids.length - 1), /packed ids/);
});
