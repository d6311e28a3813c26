import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { CLI_BIN } from '../../node/config/paths.js';

function cli(args: string[], env: Record<string, string> = {}): { status: number | null; stderr: string; stdout: string } {
  const r = spawnSync(process.execPath, [CLI_BIN, ...args], { env: { ...process.env, ...env }, encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, stderr: r.stderr, stdout: r.stdout };
}

function assertOneLine(stderr: string): void {
  const lines = stderr.trim().split('\n');
  assert.equal(lines.length, 1, `one line expected, got:\n${stderr}`);
  assert.doesNotMatch(stderr, /\n\s+at /, 'no stack trace');
}

test('cli: a missing dataset folder is a one-line error and exit code 2', () => {
  const r = cli(['client', '--data', '/nonexistent/coffee', '--out', '/tmp/coffee-cli-out']);
  assert.equal(r.status, 2);
  assertOneLine(r.stderr);
  assert.match(r.stderr, /dataset folder \/nonexistent\/coffee does not exist/);
});

test('cli: an unreachable broker is a one-line error and a non-zero exit', () => {
  // 127.0.0.2 is not the local default (localhost/127.0.0.1), for which start brings up a private broker.
  const r = cli(['start', '--data', '/tmp'], { AMQP_URL: 'amqp://guest:guest@127.0.0.2:1/' });
  assert.equal(r.status, 1);
  assertOneLine(r.stderr);
  assert.match(r.stderr, /cannot reach RabbitMQ at amqp:\/\/guest:\*\*\*@127\.0\.0\.2:1\//);
});

test('cli: an unknown command or flag is a usage error', () => {
  const r = cli(['frobnicate']);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /unknown command 'frobnicate'/);
  const r2 = cli(['generate', '--out', '/tmp/x', '--scale', 'lots']);
  assert.equal(r2.status, 2);
  assertOneLine(r2.stderr);
  const r3 = cli(['client', '--data', '/tmp', '--bogus']);
  assert.equal(r3.status, 2);
  assertOneLine(r3.stderr);
  assert.match(r3.stderr, /--bogus/);
});

test('cli: --help prints the usage of every command and exits 0', () => {
  for (const command of ['client', 'start', 'cluster', 'chaos', 'generate', 'bench', 'reference']) {
    const r = cli([command, '--help']);
    assert.equal(r.status, 0, `${command} --help`);
    assert.match(r.stdout, /usage: /, `${command} --help prints a usage`);
  }
});
