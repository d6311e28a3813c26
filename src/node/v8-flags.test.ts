import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO_ROOT } from './config/paths.js';
import { NODE_KINDS } from './config/cluster.js';
import { BULK_NODE_KINDS, BULK_NODE_V8_FLAGS, CLIENT_V8_FLAGS, NODE_FLAGS_ENV, nodeFlagsFromEnv, v8FlagsFor } from './v8-flags.js';
import { ConfigError } from './errors.js';
import { waitFor } from './processes.js';
import { LocalProcessRunner } from '../egg-of-life/restart/runner.js';
import { cacheFileFor } from '../tools/cli/code-cache.js';

test('the bulk kinds (gateways, filters) get the flags, every other kind none', () => {
  for (const kind of NODE_KINDS) assert.deepEqual(v8FlagsFor(kind), BULK_NODE_KINDS.includes(kind) ? BULK_NODE_V8_FLAGS : [], kind);
  assert.deepEqual([...BULK_NODE_KINDS].sort(), ['gateway', 'item-filter', 'tx-filter']);
});

test('this Node accepts the flags (an unknown one exits with "bad option")', () => {
  for (const flags of [BULK_NODE_V8_FLAGS, CLIENT_V8_FLAGS]) {
    const r = spawnSync(process.execPath, [...flags, '-e', '0'], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
  }
});

test('the build made a code cache V8 accepts for each way a cached bundle is started', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'v8-flags-'));
  try {
    const loader = path.join(REPO_ROOT, 'dist', 'tools', 'cli', 'code-cache.js');
    // As bin/coffee-analysis.js loads it: the cache named after the process's own flags (a script
    // file, so that those are all of its execArgv), else the plain one.
    const rejected = (bundle: string, flags: readonly string[]): string => {
      const file = path.join(REPO_ROOT, 'dist', 'bundle', 'cached', `${bundle}.cjs`);
      const script = path.join(dir, `${bundle}-${flags.length}.mjs`);
      writeFileSync(
        script,
        `import { existsSync } from 'node:fs';
        import { cacheFileFor, loadCachedBundle } from ${JSON.stringify(loader)};
        const own = cacheFileFor(${JSON.stringify(file)}, process.execArgv);
        const b = loadCachedBundle(${JSON.stringify(file)}, existsSync(own) ? own : ${JSON.stringify(`${file}.cache`)});
        process.stdout.write(String(b.cacheRejected));
        process.exit(0);`,
      );
      const r = spawnSync(process.execPath, [...flags, script], { encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } });
      assert.equal(r.status, 0, r.stderr);
      return r.stdout;
    };
    assert.equal(rejected('node', BULK_NODE_V8_FLAGS), 'false', 'node bundle, bulk flags');
    assert.equal(rejected('node', []), 'false', 'node bundle, no flags');
    assert.equal(rejected('client', CLIENT_V8_FLAGS), 'false', 'client bundle, client flags');
    assert.equal(rejected('client', []), 'false', 'client bundle, no flags');
    assert.equal(rejected('start', []), 'false', 'start bundle');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('each set of flags has its own cache file', () => {
  assert.equal(cacheFileFor('/d/node.cjs', []), '/d/node.cjs.cache');
  assert.equal(cacheFileFor('/d/node.cjs', ['--initial-old-space-size=64']), '/d/node.cjs.initial-old-space-size-64.cache');
  assert.notEqual(cacheFileFor('/d/node.cjs', ['--a=1', '--b']), cacheFileFor('/d/node.cjs', ['--a=1']));
});

test('COFFEE_NODE_FLAGS: whitespace-separated --flags; anything else is a ConfigError naming it', () => {
  assert.deepEqual(nodeFlagsFromEnv({}), []);
  assert.deepEqual(nodeFlagsFromEnv({ [NODE_FLAGS_ENV]: '   ' }), []);
  assert.deepEqual(nodeFlagsFromEnv({ [NODE_FLAGS_ENV]: ' --cpu-prof\t --cpu-prof-dir=/tmp/p  ' }), [
    '--cpu-prof',
    '--cpu-prof-dir=/tmp/p',
  ]);
  for (const bad of ['evil.js', '-e', '--', '--cpu-prof x']) {
    assert.throws(
      () => nodeFlagsFromEnv({ [NODE_FLAGS_ENV]: bad }),
      (err: unknown) => err instanceof ConfigError && err.code === 'ERR_CONFIG' && err.message.includes(`"${bad.split(' ').pop()!}"`),
      bad,
    );
  }
});

test('the local runner starts a node with the COFFEE_NODE_FLAGS of its environment: a CPU profile of a real process', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'node-flags-'));
  try {
    const out = path.join(dir, 'argv.json');
    const prof = path.join(dir, 'prof');
    const runner = new LocalProcessRunner(path.join(dir, 'logs'));
    await runner.start({
      id: 'q4-top-9',
      kind: 'q4-top',
      index: 9,
      args: ['-e', `require('node:fs').writeFileSync(${JSON.stringify(out)}, JSON.stringify(process.execArgv))`],
      env: { [NODE_FLAGS_ENV]: `--cpu-prof --cpu-prof-dir=${prof}` },
    });
    // The profile is written when the process exits, after argv.json.
    const profiled = await waitFor(() => existsSync(prof) && readdirSync(prof).some((f) => f.endsWith('.cpuprofile')), 15_000);
    assert.ok(profiled, `no CPU profile in ${prof}; node log: ${readFileSync(path.join(dir, 'logs', 'q4-top-9.log'), 'utf8')}`);
    assert.deepEqual((JSON.parse(readFileSync(out, 'utf8')) as string[]).slice(0, 2), ['--cpu-prof', `--cpu-prof-dir=${prof}`]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
