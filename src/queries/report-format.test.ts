import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  compareQ1,
  compareQ4,
  compareUtf8,
  csvField,
  formatCents,
  q1Line,
  q3Line,
  q4Line,
  renderQ1,
  renderQ3,
  REPORT_FILES,
  reportFile,
  writeQ1Row,
} from './report-format.js';

test('formatCents', () => {
  assert.equal(formatCents(1230), '12.30');
  assert.equal(formatCents(-5), '-0.05');
  assert.equal(formatCents(0), '0.00');
  assert.equal(formatCents(7500), '75.00');
  assert.equal(formatCents(-12345), '-123.45');
  assert.equal(formatCents(2147483647), '21474836.47');
});

test('csvField quotes only when needed', () => {
  assert.equal(csvField('plain café'), 'plain café');
  assert.equal(csvField('a,b'), '"a,b"');
  assert.equal(csvField('say "hi"'), '"say ""hi"""');
  assert.equal(csvField('x\ny'), '"x\ny"');
  assert.equal(csvField('x\ry'), '"x\ry"');
  assert.equal(q1Line('id,1', 7500), '"id,1",75.00\n');
  assert.equal(q3Line('2024-H1', 'G "C"', 5), '2024-H1,"G ""C""",0.05\n');
  assert.equal(q4Line('S', '', 3), 'S,,3\n');
});

test('files and orders', () => {
  assert.equal(REPORT_FILES.q2MostProfit, 'q2_most_profit.csv');
  assert.equal(reportFile('q3', []), 'year_half_created_at,store_name,tpv\n');
  // UTF-8 byte order differs from UTF-16 order for U+FFFD vs an astral char.
  const astral = '𝄞';
  const high = '\ufffd';
  assert.equal(compareUtf8(high, astral), Buffer.compare(Buffer.from(high), Buffer.from(astral)));
  const words = ['b', 'a', 'ab', '', 'é', 'z', astral, high, 'a𝄞', 'a\uffff'];
  const byJs = [...words].sort(compareUtf8);
  const byBuf = [...words].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
  assert.deepEqual(byJs, byBuf);
  assert.ok(compareQ1({ transactionId: 'a', cents: 2 }, { transactionId: 'a', cents: 1 }) > 0);
  assert.ok(
    compareQ4(
      { storeName: 'S', storeId: 1, userId: 5, birthdate: '', purchases: 3 },
      { storeName: 'S', storeId: 1, userId: 9, birthdate: '', purchases: 4 },
    ) > 0,
  );
  assert.equal(
    renderQ1([
      { transactionId: 'b', cents: 1 },
      { transactionId: 'a', cents: 7500 },
    ]),
    'transaction_id,final_amount\na,75.00\nb,0.01\n',
  );
  assert.equal(
    renderQ3([
      { half: '2024-H2', storeName: 'A', storeId: 1, cents: 1 },
      { half: '2024-H1', storeName: 'B', storeId: 2, cents: 2 },
      { half: '2024-H1', storeName: 'A', storeId: 3, cents: 3 },
    ]),
    'year_half_created_at,store_name,tpv\n2024-H1,A,0.03\n2024-H1,B,0.02\n2024-H2,A,0.01\n',
  );
});

test('q1 rows written as bytes are q1Line byte for byte: ASCII ids copied, quoted, non-ASCII or invalid UTF-8 ids, every sign and size of amount', () => {
  const ids = [
    Buffer.from('0b1e9c5a-7f4e-4f9a-9a51-3c3c3c3c3c3c'),
    Buffer.from(''),
    Buffer.from('a,"b"'),
    Buffer.from('a,b'),
    Buffer.from('line\nbreak'),
    Buffer.from('cr\r'),
    Buffer.from('\u0001tab\there'),
    Buffer.from('ü-\u{1F600}'),
    Buffer.from([0xff, 0x41, 0xc3]), // not UTF-8: the reference sees U+FFFD
    Buffer.alloc(255, 0x7a),
  ];
  const amounts = [0, 1, 5, 9, 10, 99, 100, 101, 7500, 123_456, 2_147_483_647, -1, -5, -99, -100, -7500, -2_147_483_648];
  const out = Buffer.alloc(8192);
  for (const id of ids) {
    // The id inside a larger buffer, as in a spooled chunk.
    const src = Buffer.concat([Buffer.from([9, 9]), id, Buffer.from([9])]);
    for (const cents of amounts) {
      const end = writeQ1Row(out, 3, src, 2, 2 + id.length, cents);
      const want = Buffer.from(q1Line(id.toString('utf8'), cents), 'utf8');
      assert.deepEqual(out.subarray(3, end), want, `id ${JSON.stringify(id.toString('latin1'))}, cents ${cents}`);
    }
  }
});
