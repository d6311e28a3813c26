import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, unlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPORT_FILES, REPORT_NAMES } from '../../queries/report-format.js';
import { compareReports, describeDifference, firstDifference } from './compare.js';

test('firstDifference: null when equal, else the first differing line (1-based)', () => {
  assert.equal(firstDifference('f', 'a\nb\n', 'a\nb\n'), null);
  assert.deepEqual(firstDifference('f', 'a\nx\nc\n', 'a\nb\nc\n'), { file: 'f', line: 2, got: 'x', want: 'b' });
  // A missing trailing line or newline is a difference too.
  assert.deepEqual(firstDifference('f', 'a\n', 'a\nb\n'), { file: 'f', line: 2, got: '', want: 'b' });
  assert.deepEqual(firstDifference('f', 'a', 'a\n'), { file: 'f', line: 2, got: undefined, want: '' });
});

test('compareReports: byte-identical folders pass; a changed or missing file is reported', async () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'bench-compare-'));
  try {
    const out = path.join(root, 'out');
    const ref = path.join(root, 'ref');
    for (const dir of [out, ref]) {
      (await import('node:fs')).mkdirSync(dir);
      for (const n of REPORT_NAMES) writeFileSync(path.join(dir, REPORT_FILES[n]), `header\n${n},1\n`);
    }
    assert.equal(await compareReports(out, ref), null);
    writeFileSync(path.join(out, REPORT_FILES.q3), 'header\nq3,2\n');
    const d = await compareReports(out, ref);
    assert.deepEqual(d, { file: REPORT_FILES.q3, line: 2, got: 'q3,2', want: 'q3,1' });
    assert.match(describeDifference(d), /q3_tpv\.csv differs from the reference at line 2: got "q3,2", want "q3,1"/);
    unlinkSync(path.join(out, REPORT_FILES.q1));
    assert.match(describeDifference((await compareReports(out, ref))!), /q1_transactions\.csv is missing/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
