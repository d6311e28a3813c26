import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseGenerateArgs, run } from '../cli/generate.js';
import { UsageError } from '../../node/errors.js';

test('generate flags: defaults and parsing', () => {
  assert.deepEqual(parseGenerateArgs(['--out', 'd']), { out: 'd', scale: 1, seed: 1, hardCases: false, badRows: false });
  assert.deepEqual(parseGenerateArgs(['--out', 'd', '--scale', '0.001', '--seed', '7', '--hard-cases', '--bad-rows']), {
    out: 'd',
    scale: 0.001,
    seed: 7,
    hardCases: true,
    badRows: true,
  });
  assert.equal(parseGenerateArgs(['--help']), 'help');
});

test('generate: missing or invalid flags throw a one-line UsageError', () => {
  const bad = [
    [],
    ['--out'],
    ['--out', 'd', '--scale', 'abc'],
    ['--out', 'd', '--scale', '0'],
    ['--out', 'd', '--scale', '-1'],
    ['--out', 'd', '--scale', ''],
    ['--out', 'd', '--seed', '1.5'],
    ['--out', 'd', '--seed', '-3'],
    ['--out', 'd', '--bogus'],
    ['--out', 'd', 'positional'],
  ];
  for (const argv of bad) {
    assert.throws(
      () => parseGenerateArgs(argv),
      (err: unknown) => err instanceof UsageError && err.code === 'ERR_USAGE' && !err.message.includes('\n'),
      argv.join(' '),
    );
  }
});

test('generate run() writes a dataset and returns 0', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'gen-cli-'));
  try {
    const code = await run(['--out', dir, '--scale', '0.0002', '--seed', '3', '--hard-cases']);
    assert.equal(code, 0);
    assert.deepEqual((await readdir(dir)).sort(), [
      'menu_items',
      'payment_methods',
      'stores',
      'transaction_items',
      'transactions',
      'users',
      'vouchers',
    ]);
    assert.equal((await readdir(join(dir, 'transactions'))).length, 25);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
