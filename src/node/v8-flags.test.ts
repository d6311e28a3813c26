import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from './config/paths.js';
import { PIPELINE_V8_FLAGS } from './v8-flags.js';

test("the image's ENTRYPOINT starts every container with the pipeline's V8 flags", () => {
  const dockerfile = readFileSync(path.join(REPO_ROOT, 'Dockerfile'), 'utf8');
  const line = dockerfile.split('\n').find((l) => l.startsWith('ENTRYPOINT '));
  assert.ok(line !== undefined, 'an ENTRYPOINT line');
  assert.deepEqual(JSON.parse(line.slice('ENTRYPOINT '.length)), ['node', ...PIPELINE_V8_FLAGS, 'bin/coffee-analysis.js']);
});

test('this Node accepts the flags (an unknown one exits with "bad option")', () => {
  const r = spawnSync(process.execPath, [...PIPELINE_V8_FLAGS, '-e', '0'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
});
