import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { parseBenchArgs } from './args.js';
import { REPO_ROOT } from '../../node/config/paths.js';

test('parseBenchArgs: defaults', () => {
  assert.deepEqual(parseBenchArgs([], '/somewhere'), {
    scale: 0.1,
    clients: 1,
    seed: 1,
    json: path.join(REPO_ROOT, 'bench-results', 'bench-0.1-1.json'),
    dataCache: path.join(REPO_ROOT, 'data', 'bench'),
    keep: false,
    chaos: null,
    dashboard: false,
    readers: 'auto',
  });
});

test('parseBenchArgs: flags, relative paths from the current folder', () => {
  const a = parseBenchArgs(
    ['--scale', '0.01', '--clients', '4', '--seed', '7', '--json', 'r.json', '--data-cache', 'cache', '--keep'],
    '/w',
  );
  assert.deepEqual(a, {
    scale: 0.01,
    clients: 4,
    seed: 7,
    json: '/w/r.json',
    dataCache: '/w/cache',
    keep: true,
    chaos: null,
    dashboard: false,
    readers: 'auto',
  });
  const r = parseBenchArgs(['--readers', '2'], '/w');
  assert.ok(r !== 'help' && r.readers === 2);
  assert.throws(() => parseBenchArgs(['--readers', '3'], '/w'), /bench: --readers must be auto, 1 or 2, got '3'/);
  const c = parseBenchArgs(['--chaos', '1'], '/w');
  assert.ok(c !== 'help' && c.chaos === 1 && c.json.endsWith('bench-0.1-1-chaos.json'));
  // With the dashboard open: its own results file, so a plain run's figures are not overwritten.
  const d = parseBenchArgs(['--dashboard'], '/w');
  assert.ok(d !== 'help' && d.dashboard && d.json.endsWith('bench-0.1-1-dashboard.json'));
  assert.equal(
    parseBenchArgs(['--clients', '3']) !== 'help' &&
      (parseBenchArgs(['--clients', '3']) as { json: string }).json.endsWith('bench-0.1-3.json'),
    true,
  );
  assert.equal(parseBenchArgs(['--help']), 'help');
});

test('parseBenchArgs: bad flags are usage errors', () => {
  for (const argv of [
    ['--scale', 'x'],
    ['--scale', '0'],
    ['--scale', ''],
    ['--clients', '0'],
    ['--clients', '1.5'],
    ['--seed', '-1'],
    ['--json', ''],
    ['--bogus'],
    ['pos'],
    ['--chaos', '0'],
    ['--chaos', 'often'],
  ]) {
    assert.throws(
      () => parseBenchArgs(argv),
      (e: Error & { code?: string }) => e.code === 'ERR_USAGE' && e.message.startsWith('bench: '),
      argv.join(' '),
    );
  }
});
