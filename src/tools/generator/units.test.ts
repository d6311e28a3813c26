import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Random } from './random.js';
import { deriveRandom, WeightedTable } from './random.js';
import { civilFromDays, daysFromCivil } from '../../queries/civil-time.js';
import { monthOf, monthsFrom } from './months.js';
import { csvRecord, formatAmount, quoteField } from './format.js';
import { ByteSink, uuidBytes } from './byte-sink.js';

test('deriveRandom: same (seed, labels) gives the same stream; other seeds or labels differ', () => {
  const draw = (r: Random): number[] => Array.from({ length: 8 }, () => r.u32());
  assert.deepEqual(draw(deriveRandom(7, 3, 1)), draw(deriveRandom(7, 3, 1)));
  assert.notDeepEqual(draw(deriveRandom(7, 3, 1)), draw(deriveRandom(8, 3, 1)));
  assert.notDeepEqual(draw(deriveRandom(7, 3, 1)), draw(deriveRandom(7, 3, 2)));
  // Seeds above 2^32 are not truncated.
  assert.notDeepEqual(draw(deriveRandom(2 ** 32 + 7)), draw(deriveRandom(7)));
});

test('Random.float and int stay in range', () => {
  const r = deriveRandom(1);
  for (let i = 0; i < 10_000; i++) {
    const f = r.float();
    assert.ok(f >= 0 && f < 1);
    const n = r.int(7);
    assert.ok(Number.isInteger(n) && n >= 0 && n < 7);
  }
});

test('uuid: lowercase 8-4-4-4-12 hex, and uuidBytes writes the same characters', () => {
  const a = deriveRandom(99);
  const b = deriveRandom(99);
  const out = new Uint8Array(36);
  for (let i = 0; i < 1000; i++) {
    const s = a.uuid();
    assert.match(s, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    uuidBytes(b.u32(), b.u32(), b.u32(), b.u32(), out);
    assert.equal(Buffer.from(out).toString('latin1'), s);
  }
});

test('WeightedTable: zero weights never chosen, shares follow the weights', () => {
  const t = new WeightedTable([1, 0, 3]);
  const r = deriveRandom(5);
  const counts = [0, 0, 0];
  for (let i = 0; i < 40_000; i++) counts[t.pick(r)]++;
  assert.equal(counts[1], 0);
  const share = counts[2] / 40_000;
  assert.ok(share > 0.72 && share < 0.78, `share ${share}`);
});

test('calendar arithmetic agrees with Date (UTC) over 1950..2030', () => {
  for (let days = daysFromCivil(1950, 1, 1); days <= daysFromCivil(2030, 12, 31); days += 13) {
    const d = new Date(days * 86_400_000);
    assert.deepEqual(civilFromDays(days), [d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate()]);
  }
  const feb = monthOf(2024, 2);
  assert.equal(feb.days, 29);
  assert.equal(feb.dayPrefixes[28], '2024-02-29 ');
  assert.equal(feb.weekdays[0], 3); // 2024-02-01 was a Thursday
  const months = monthsFrom(2023, 7, 24);
  assert.equal(months[0].key, '202307');
  assert.equal(months[23].key, '202506');
});

test('formatAmount writes at most two decimals in the source style', () => {
  assert.equal(formatAmount(0), '0.0');
  assert.equal(formatAmount(3800), '38.0');
  assert.equal(formatAmount(450), '4.5');
  assert.equal(formatAmount(1225), '12.25');
  assert.equal(formatAmount(7501), '75.01');
  assert.equal(formatAmount(7499), '74.99');
  assert.equal(formatAmount(5), '0.05');
});

test('quoteField / csvRecord follow RFC 4180', () => {
  assert.equal(quoteField('plain'), 'plain');
  assert.equal(quoteField('Kopi "Special", Large'), '"Kopi ""Special"", Large"');
  assert.equal(csvRecord(['1', 'a,b', 'Café'], '\r\n'), '1,"a,b",Café\r\n');
});

test('ByteSink writes numbers and amounts like the string formatters', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'gen-bytes-'));
  try {
    const path = join(dir, 'x.csv');
    const sink = new ByteSink(path);
    const expected: string[] = [];
    const r = deriveRandom(3);
    for (let i = 0; i < 5000; i++) {
      const cents = i < 200 ? i : r.int(10_000_000);
      const n = r.int(2 ** 31);
      sink.amount(cents);
      sink.byte(44);
      sink.uint(n);
      sink.byte(10);
      expected.push(`${formatAmount(cents)},${n}\n`);
      await sink.flushIfFull();
    }
    sink.text('Café Ñandú 東京\n');
    await sink.close();
    assert.equal(await readFile(path, 'utf8'), expected.join('') + 'Café Ñandú 東京\n');
    assert.equal(sink.bytes, Buffer.byteLength(expected.join('') + 'Café Ñandú 東京\n'));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
