import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse as csvParse } from 'csv-parse/sync';
import { CsvParser } from './parser.js';
import { RecordTooLargeError } from '../../node/errors.js';
import { forEachCsvRecord, parseCsvString } from './file.js';

type Rec = { fields: string[]; line: number; error: string | null; span: [number, number] };

/** Parses input fed in the given chunk sizes (cycled). */
function parseChunked(input: Buffer, sizes: number[]): Rec[] {
  const p = new CsvParser();
  const out: Rec[] = [];
  const drain = (): void => {
    while (p.next()) {
      out.push({ fields: p.record.toArray(), line: p.record.line, error: p.record.error, span: [p.record.byteStart, p.record.byteEnd] });
      assert.equal(p.consumed, p.record.byteEnd);
    }
  };
  let pos = 0;
  let k = 0;
  while (pos < input.length) {
    const n = Math.max(1, sizes[k++ % sizes.length]);
    p.feed(input.subarray(pos, pos + n));
    pos += n;
    drain();
  }
  p.end();
  drain();
  return out;
}

test('simple rows, LF and CRLF, final line without newline', () => {
  assert.deepEqual(
    parseCsvString('a,b\n1,2\n').map((r) => r.fields),
    [
      ['a', 'b'],
      ['1', '2'],
    ],
  );
  assert.deepEqual(
    parseCsvString('a,b\r\n1,2\r\n3,4').map((r) => r.fields),
    [
      ['a', 'b'],
      ['1', '2'],
      ['3', '4'],
    ],
  );
  assert.deepEqual(
    parseCsvString('a,,\n').map((r) => r.fields),
    [['a', '', '']],
  );
  assert.deepEqual(
    parseCsvString('a,').map((r) => r.fields),
    [['a', '']],
  );
});

test('quoted fields: commas, doubled quotes, newlines, empty', () => {
  const recs = parseCsvString('"x, y","say ""hi""","multi\nline",""\nnext,row\n');
  assert.deepEqual(
    recs.map((r) => r.fields),
    [
      ['x, y', 'say "hi"', 'multi\nline', ''],
      ['next', 'row'],
    ],
  );
  assert.deepEqual(
    recs.map((r) => r.line),
    [1, 3],
  );
  assert.equal(recs[0].error, null);
});

test('BOM is skipped, blank lines are skipped and counted in line numbers', () => {
  const recs = parseCsvString(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('h1,h2\n\n1,2\r\n\r\n\r\n3,4\n\n')]));
  assert.deepEqual(
    recs.map((r) => r.fields),
    [
      ['h1', 'h2'],
      ['1', '2'],
      ['3', '4'],
    ],
  );
  assert.deepEqual(
    recs.map((r) => r.line),
    [1, 3, 6],
  );
});

test('malformed quoting is a per-record error, parsing continues', () => {
  const recs = parseCsvString('a,b"c,d\n"x"y,z\nok,1\n"unterminated,2\nmore');
  assert.equal(recs[0].error, 'quote inside an unquoted field');
  assert.equal(recs[0].fields.length, 3);
  assert.equal(recs[1].error, 'unexpected character after closing quote');
  assert.deepEqual(recs[2], { fields: ['ok', '1'], line: 3, error: null });
  assert.equal(recs[3].error, 'unterminated quoted field');
  assert.equal(recs[3].line, 4);
  assert.equal(recs.length, 4);
});

test('byte helpers: bytes, byteLength, copyTo unescape only quoted fields', () => {
  const p = new CsvParser();
  p.feed(Buffer.from('"a""b",plain,"é,ü"\n'));
  p.end();
  assert.ok(p.next());
  const r = p.record;
  assert.equal(r.fieldCount, 3);
  assert.ok(r.isQuoted(0) && !r.isQuoted(1));
  assert.equal(r.byteLength(0), 3);
  assert.equal(r.bytes(0).toString(), 'a"b');
  assert.equal(r.bytes(2).toString(), 'é,ü');
  const target = Buffer.alloc(10);
  assert.equal(r.copyTo(0, target, 2), 3);
  assert.equal(target.subarray(2, 5).toString(), 'a"b');
  assert.equal(r.text(1), 'plain');
  assert.equal(r.byteEnd, Buffer.byteLength('"a""b",plain,"é,ü"\n'));
  assert.equal(p.next(), false);
});

test('every chunk boundary of a tricky input gives the same records', () => {
  const input = Buffer.from('\ufeffid,"name, full",note\r\n1,"Café ""Bean""","a\r\nb"\r\n\r\n2,ü€𝄞,"x"\r\n3,,""\r\n"4","","end"');
  const whole = parseChunked(input, [input.length]);
  assert.equal(whole.length, 5);
  assert.deepEqual(whole[2].fields, ['2', 'ü€𝄞', 'x']);
  assert.deepEqual(
    whole.map((r) => r.line),
    [1, 2, 5, 6, 7],
  );
  for (let cut = 1; cut < input.length; cut++) {
    assert.deepEqual(parseChunked(input, [cut, input.length]), whole, `split at ${cut}`);
  }
  for (const size of [1, 2, 3, 5, 7]) assert.deepEqual(parseChunked(input, [size]), whole, `chunks of ${size}`);
});

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

test('matches csv-parse on random tricky inputs, in random chunks', () => {
  const alphabet = ['a', 'b', 'Z', '1', ' ', ',', '"', '\n', '\r\n', 'é', '€', '𝄞', '-', '.'];
  for (let seed = 1; seed <= 300; seed++) {
    const r = rng(seed);
    const eol = r() < 0.5 ? '\n' : '\r\n';
    const rows: string[][] = [];
    const nRows = 1 + Math.floor(r() * 8);
    const nCols = 2 + Math.floor(r() * 4);
    for (let i = 0; i < nRows; i++) {
      const row: string[] = [];
      for (let j = 0; j < nCols; j++) {
        let f = '';
        const len = Math.floor(r() * 6);
        for (let k = 0; k < len; k++) f += alphabet[Math.floor(r() * alphabet.length)];
        row.push(f);
      }
      rows.push(row);
    }
    const text =
      rows
        .map((row) =>
          row.map((f) => (/[",\r\n]/.test(f) || (f === '' && r() < 0.3) || r() < 0.2 ? `"${f.replaceAll('"', '""')}"` : f)).join(','),
        )
        .join(eol) + (r() < 0.5 ? eol : '');
    const input = Buffer.from(text);
    const expected: string[][] = csvParse(input, { relax_column_count: true, skip_empty_lines: true, bom: true, record_delimiter: eol });
    const sizes = [1 + Math.floor(r() * 10), 1 + Math.floor(r() * 40)];
    const got = parseChunked(input, sizes);
    assert.deepEqual(got, parseChunked(input, [input.length]), `seed ${seed}: chunks ${sizes.join('/')} vs whole, byte spans included`);
    assert.deepEqual(
      got.map((g) => g.fields),
      expected,
      `seed ${seed}: ${JSON.stringify(text)}`,
    );
    assert.ok(got.every((g) => g.error === null));
    assert.deepEqual(
      got.map((g) => g.fields),
      rows,
      `seed ${seed} round trip`,
    );
  }
});

test('long records spanning many chunks (multi-line quoted fields) are parsed whole', () => {
  const big = `"${'x\n'.repeat(5000)}"`;
  const input = Buffer.from(`a,b\n1,${big}\n2,y\n${'3,z\n'.repeat(100)}`);
  const whole = parseChunked(input, [input.length]);
  assert.equal(whole.length, 103);
  assert.equal(whole[1].fields[1].length, 10000);
  assert.equal(whole[2].line, 5003);
  for (const sizes of [[1000], [7, 3000], [65536], [13]]) assert.deepEqual(parseChunked(input, sizes), whole, `chunks ${sizes.join('/')}`);
});

test('forEachCsvRecord streams a file with small chunks', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'csv-test-'));
  try {
    const f = path.join(dir, 'x.csv');
    const lines = ['h,"q"'];
    for (let i = 0; i < 1000; i++) lines.push(`${i},"v ""${i}""\nnext"`);
    writeFileSync(f, lines.join('\r\n'));
    const seen: string[][] = [];
    const lineNos: number[] = [];
    const res = await forEachCsvRecord(
      f,
      (rec) => {
        seen.push(rec.toArray());
        lineNos.push(rec.line);
      },
      { highWaterMark: 7 },
    );
    assert.equal(res.records, 1001);
    assert.deepEqual(seen[500], ['499', 'v "499"\nnext']);
    assert.equal(lineNos[500], 2 + 499 * 2);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a record over the maximum record size is RecordTooLargeError naming its line (and file, through the reader)', () => {
  const p = new CsvParser(1024);
  p.feed(Buffer.from('a,b\n1,2\n"unterminated'));
  assert.ok(p.next());
  assert.ok(p.next());
  assert.equal(p.next(), false);
  const chunk = Buffer.alloc(300, 0x61);
  let err: unknown;
  try {
    for (let i = 0; i < 10; i++) {
      p.feed(chunk);
      while (p.next());
    }
  } catch (e) {
    err = e;
  }
  assert.ok(err instanceof RecordTooLargeError, String(err));
  assert.equal(err.code, 'ERR_RECORD_TOO_LARGE');
  assert.equal(err.line, 3);
  assert.match(err.inFile('transactions_202401.csv').message, /^transactions_202401\.csv: the record at line 3 is longer than 1024 bytes/);
});

test('an unterminated quote in a 32 MiB input fails fast at the default cap instead of going quadratic', () => {
  // Before the cap, 32 MiB took ~1.8 s and 128 MiB ~22 s (a concatenation and a re-scan per chunk).
  const p = new CsvParser();
  p.feed(Buffer.from('"'));
  const chunk = Buffer.alloc(64 * 1024, 0x61);
  const started = performance.now();
  assert.throws(() => {
    for (let i = 0; i < 512; i++) {
      p.feed(chunk);
      while (p.next());
    }
  }, RecordTooLargeError);
  const ms = performance.now() - started;
  assert.ok(ms < 2000, `took ${ms} ms`);
});
