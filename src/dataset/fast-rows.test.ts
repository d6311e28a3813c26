import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { readTableBatches, type TableBatch } from './reader.js';
import type { PlainRow, TableName } from './tables.js';
import { deriveRandom, type Random } from '../tools/generator/random.js';
import { appendRow, decodeRows } from '../testing/batch-rows.js';
import { CsvParser } from './csv/parser.js';
import { RowParser } from './rows.js';
import { FastRowDecoder } from './fast-rows.js';
import { BatchEncoder } from './batch-codec.js';

/**
 * The fast path (fast-rows.ts) must change nothing but speed: on files full of the hard cases,
 * reading with it and without it gives the same batches byte for byte, the same rejects (file,
 * line, reason) and the same byte counts. Files are over 1 MiB, so records are split across
 * the reader's chunks too.
 */

function pick<T>(r: Random, xs: readonly T[]): T {
  return xs[r.int(xs.length)];
}

const stamp = (r: Random): string =>
  `${pick(r, ['2023', '2024', '2025'])}-${pick(r, ['01', '02', '06', '07', '12'])}-${pick(r, ['01', '15', '28', '29', '30', '31'])} ` +
  `${pick(r, ['00', '05', '06', '12', '22', '23'])}:${pick(r, ['00', '30', '59'])}:${pick(r, ['00', '01', '59'])}`;

/** A field that is usually ordinary and sometimes one of the hard cases. */
function hard(r: Random, ordinary: string): string {
  if (r.float() > 0.04) return ordinary;
  return pick(r, [
    `"${ordinary}"`, // quoted, same value
    `"a,b"`, // comma inside quotes
    `"say ""hi"""`, // doubled quotes
    `"two\nlines"`, // line break inside quotes
    `x"y`, // quote inside an unquoted field
    '',
    ' 1',
    '-0',
    '12.505',
    '2147483648',
    'café',
    ordinary.toUpperCase(),
    `${ordinary}.000`,
    // Bytes below '-' that end no field (the scanner's fast test is "above ','").
    'ab cd ef gh',
    `${ordinary} `,
    'a+b*c)d(e',
    "x!y#z$w%v&u't",
    'ünïcödé—✓',
    // Numbers at the edges of the fused read (fast-rows.ts, fusedNumber): digit counts, decimals, dots.
    '999999999',
    '1000000000',
    '9999999.99',
    '12345678.9',
    '00012',
    '2080.00',
    '2080.5',
    '2080.',
    '.5',
    '7.05',
    '7.050',
    '7.0.0',
    '1e3',
    // In a 36-byte field (a UUID's width): a comma, a lone CR, a space, a byte below '-' that ends nothing.
    `${ordinary.slice(0, 20)},${ordinary.slice(21)}`,
    `${ordinary.slice(0, 30)}\r${ordinary.slice(31)}`,
    `${ordinary.slice(0, 9)} ${ordinary.slice(10)}`,
    `${ordinary.slice(0, 33)}+${ordinary.slice(34)}`,
  ]);
}

function transactionLine(r: Random): string {
  const id = r.float() < 0.02 ? pick(r, ['', 'short-id', 'x'.repeat(300), r.uuid().toUpperCase()]) : r.uuid();
  const user = r.float() < 0.1 ? '' : pick(r, [`${r.int(100000)}.0`, `${r.int(100000)}`]);
  const amount = pick(r, ['75.0', '74.99', '120.5', '12', '0.0', '-3.50']);
  return [
    hard(r, id),
    hard(r, String(1 + r.int(10))),
    hard(r, String(1 + r.int(4))),
    hard(r, ''),
    hard(r, user),
    hard(r, '80.0'),
    hard(r, '0.0'),
    hard(r, amount),
    hard(r, stamp(r)),
  ].join(',');
}

function itemLine(r: Random): string {
  return [
    hard(r, r.uuid()),
    hard(r, String(1 + r.int(8))),
    hard(r, String(1 + r.int(3))),
    hard(r, '6.0'),
    hard(r, pick(r, ['18.0', '7.5', '9'])),
    hard(r, stamp(r)),
  ].join(',');
}

/** A file of about `bytes`: header, then lines with LF, CRLF, blank lines, lone CRs and column-count errors. */
function csvFile(r: Random, header: string, line: (r: Random) => string, bytes: number): string {
  let s = r.float() < 0.5 ? '\ufeff' : '';
  s += `${header}\n`;
  while (s.length < bytes) {
    let l = line(r);
    const x = r.float();
    if (x < 0.005) l += ',extra';
    else if (x < 0.01) l = l.slice(0, l.lastIndexOf(','));
    else if (x < 0.012) l = '';
    const end = r.float();
    s += l + (end < 0.6 ? '\n' : end < 0.99 ? '\r\n' : '\r');
  }
  // Sometimes the last line has no line end.
  return r.float() < 0.5 ? s.replace(/\r?\n$/, '') : s;
}

async function readAll(dir: string, table: TableName, fastPath: boolean, maxBatchBytes: number): Promise<TableBatch[]> {
  const out: TableBatch[] = [];
  for await (const b of readTableBatches(dir, table, { maxBatchBytes, fastPath })) out.push(b);
  return out;
}

function summary(batches: TableBatch[]): { payload: string; rows: number; rejects: string; bytes: number } {
  return {
    payload: Buffer.concat(batches.map((b) => b.payload)).toString('base64'),
    rows: batches.reduce((a, b) => a + b.rows, 0),
    rejects: JSON.stringify(batches.flatMap((b) => b.rejects)),
    bytes: batches.reduce((a, b) => a + b.inputBytes, 0),
  };
}

const TABLE_FILES = [
  {
    table: 'transactions' as const,
    headers: [
      'transaction_id,store_id,payment_method_id,voucher_id,user_id,original_amount,discount_applied,final_amount,created_at',
      // Another column order and an extra column: the fast path follows the header.
      'created_at,final_amount,note,transaction_id,user_id,store_id,payment_method_id,voucher_id,original_amount,discount_applied',
    ],
    line: transactionLine,
  },
  {
    table: 'transaction_items' as const,
    headers: ['transaction_id,item_id,quantity,unit_price,subtotal,created_at', 'item_id,created_at,subtotal,quantity'],
    line: itemLine,
  },
];

for (const { table, headers, line } of TABLE_FILES) {
  test(`fast path: ${table} read with and without it are identical (batches, rejects, lines, bytes)`, async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'coffee-fast-'));
    try {
      const r = deriveRandom(table.length * 7919);
      mkdirSync(path.join(dir, table));
      // The first header again last: the read goes from one plan to another and back.
      [...headers, headers[0]].forEach((header, h) => {
        // The header names the columns; each line is made in the standard order, then reordered to match.
        const standard = headers[0].split(',');
        const cols = header.split(',');
        const reorder = (l: string): string => {
          if (header === headers[0]) return l;
          const f = l.split(',');
          return cols.map((c) => f[standard.indexOf(c)] ?? '').join(',');
        };
        writeFileSync(
          path.join(dir, table, `${table}_${h}.csv`),
          csvFile(r, header, (rr) => reorder(line(rr)), h === 0 ? 2_500_000 : 300_000),
        );
      });
      for (const maxBatchBytes of [4 << 20, 20_000]) {
        const slow = summary(await readAll(dir, table, false, maxBatchBytes));
        const fast = summary(await readAll(dir, table, true, maxBatchBytes));
        assert.ok(slow.rows > 10_000, `enough rows (${slow.rows})`);
        assert.ok((JSON.parse(slow.rejects) as unknown[]).length > 100, 'enough rejects');
        assert.equal(fast.rows, slow.rows);
        assert.equal(fast.bytes, slow.bytes);
        assert.equal(fast.rejects, slow.rejects);
        if (maxBatchBytes === 4 << 20) assert.ok(fast.payload === slow.payload, 'same payload bytes');
        else {
          // Small batches may be cut at other rows (the fast path checks the size before a row
          // it may then leave to the generic path); the rows they hold are the same.
          const rowsOf = async (fp: boolean): Promise<unknown[]> =>
            (await readAll(dir, table, fp, maxBatchBytes)).flatMap((b): unknown[] => decodeRows(b.payload).rows);
          assert.deepEqual(await rowsOf(true), await rowsOf(false));
          // Both paths keep every batch within the bound (the encoder's: ids as packed while
          // they all pack, else as text), and so within the limit, unless the batch is a single row.
          for (const fp of [true, false]) {
            for (const b of await readAll(dir, table, fp, maxBatchBytes)) {
              const { table: t, rows } = decodeRows(b.payload);
              assert.ok(rows.length === 1 || b.payload.length <= maxBatchBytes, `${fp ? 'fast' : 'generic'}: ${b.payload.length} bytes`);
              const enc = new BatchEncoder(t, rows.length + 1);
              for (const row of rows) appendRow<TableName>(enc, t, row as PlainRow<TableName>);
              assert.ok(
                rows.length === 1 || enc.byteLength <= maxBatchBytes,
                `${fp ? 'fast' : 'generic'}: ${rows.length} rows, bound ${enc.byteLength}`,
              );
            }
          }
        }
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

test('fast path: ordinary lines with bytes below "-" in their fields are read in one pass', () => {
  const header = 'transaction_id,store_id,payment_method_id,voucher_id,user_id,original_amount,discount_applied,final_amount,created_at\n';
  const p = new CsvParser();
  p.feed(Buffer.from(header));
  assert.ok(p.next());
  const rp = new RowParser('transactions', p.record, 'transactions.csv');
  const fast = FastRowDecoder.for(rp, 1 << 20)!;
  assert.ok(fast !== null);
  const id = '04ecb88f-5ea7-406e-9feb-e94af07115c7';
  for (let pad = 0; pad < 8; pad++) {
    // A skipped field holding a space, '+', '!' at several offsets; UTF-8 too.
    const skipped = `${'x'.repeat(pad)} a+b!c ü`;
    const line = Buffer.from(`${id},3,${skipped},,631.0,25.0,0.0,75.5,2024-07-18 19:19:34\r\n`);
    const enc = new BatchEncoder('transactions');
    const next = fast.decode(line, 0, enc);
    assert.equal(next, line.length, `pad ${pad}`);
    assert.equal(fast.lineEnd, line.length - 2);
    enc.commitRow();
    assert.deepEqual(decodeRows(enc.finish()).rows, [
      { transactionId: id, storeId: 3, userId: 631, finalAmountCents: 7550, createdAt: Date.UTC(2024, 6, 18, 19, 19, 34) / 1000 },
    ]);
  }
});

test('fast path: an unneeded field as wide as a UUID is skipped by words, never past a separator', () => {
  const p = new CsvParser();
  p.feed(Buffer.from('transaction_id,item_id,quantity,unit_price,subtotal,created_at\n'));
  assert.ok(p.next());
  const fast = FastRowDecoder.for(new RowParser('transaction_items', p.record, 'items.csv'), 1 << 20)!;
  assert.ok(fast !== null);
  const id = '04ecb88f-5ea7-406e-9feb-e94af07115c7';
  const row = { itemId: 4, quantity: 2, subtotalCents: 1900, createdAt: Date.UTC(2024, 7, 28, 20, 16, 45) / 1000 };
  for (let at = 0; at < id.length; at++) {
    for (const b of [' ', '+', '!', 'ü', ',', '\n', '\r']) {
      // The line starts 0..2 bytes into the buffer: the words are read unaligned too.
      const lead = 'x\n'.slice(0, at % 3);
      const line = Buffer.from(`${lead}${id.slice(0, at)}${b}${id.slice(at + 1)},4,2,9.5,19.0,2024-08-28 20:16:45\n`);
      const enc = new BatchEncoder('transaction_items');
      const next = fast.decode(line, lead.length, enc);
      if (b === ',' || b === '\n' || b === '\r') {
        // Another field or a line end inside: not this line's shape, the generic path decides.
        assert.equal(next, -1, `${JSON.stringify(b)} at ${at}`);
        continue;
      }
      assert.equal(next, line.length, `${JSON.stringify(b)} at ${at}`);
      enc.commitRow();
      assert.deepEqual(decodeRows(enc.finish()).rows, [row]);
    }
  }
});

test('one decoder serves the files of a read that share a column plan; a file with another plan gets its own', () => {
  const parserOf = (header: string): RowParser<'transaction_items'> => {
    const p = new CsvParser();
    p.feed(Buffer.from(`${header}\n`));
    assert.ok(p.next());
    return new RowParser('transaction_items', p.record, 'items.csv');
  };
  const standard = 'transaction_id,item_id,quantity,unit_price,subtotal,created_at';
  const first = FastRowDecoder.for(parserOf(standard), 1 << 20)!;
  assert.ok(first !== null);
  // The same plan: the same decoder (one decode function for the reader's loop to call).
  assert.equal(FastRowDecoder.for(parserOf(standard), 1 << 20, first), first);
  // Another column order, or another record limit: a decoder of its own.
  const reordered = FastRowDecoder.for(parserOf('item_id,created_at,subtotal,quantity'), 1 << 20, first)!;
  assert.ok(reordered !== null && reordered !== first);
  assert.notEqual(FastRowDecoder.for(parserOf(standard), 1 << 10, first), first);
  // And each reads its own layout.
  const enc = new BatchEncoder('transaction_items');
  const line = Buffer.from('4,2024-08-28 20:16:45,19.0,2\n');
  assert.equal(reordered.decode(line, 0, enc), line.length);
  enc.commitRow();
  assert.deepEqual(decodeRows(enc.finish()).rows, [
    { itemId: 4, quantity: 2, subtotalCents: 1900, createdAt: Date.UTC(2024, 7, 28, 20, 16, 45) / 1000 },
  ]);
});
