import type { NodeSpec } from './node-spec.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ClusterConfigSchema } from '../../node/config/cluster.js';
import { buildNodeSpecs } from './node-spec.js';
import { readRegistry, registryFile, writeRegistry } from './registry.js';

test('registry: written 0600; only "<project .js> node <kind> --index <i>" with config env is accepted (issue 9 #18)', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'registry-'));
  const cluster = ClusterConfigSchema.parse({ run_dir: dir });
  const specs = buildNodeSpecs(cluster, path.join(dir, 'cluster.yaml')).map((s): NodeSpec => ({
    ...s,
    env: { ...s.env, AMQP_URL: 'amqp://u:p@h/' },
  }));
  const file = writeRegistry(cluster, specs);
  assert.equal(file, registryFile(cluster));
  assert.equal(statSync(file).mode & 0o777, 0o600);
  assert.equal(readRegistry(file).length, specs.length);

  const tamper = (change: (s: (typeof specs)[number]) => void): void => {
    const copy = structuredClone(specs);
    change(copy[3]);
    writeFileSync(file, JSON.stringify({ nodes: copy }));
  };
  const refused = [
    (s: (typeof specs)[number]) => (s.args = ['-e', 'require("child_process").execSync("touch /tmp/pwned")']),
    (s: (typeof specs)[number]) => (s.args = ['/tmp/evil.js', 'node', s.kind, '--index', String(s.index)]),
    (s: (typeof specs)[number]) => (s.args = [...s.args, '--inspect=0.0.0.0:9229']),
    (s: (typeof specs)[number]) => (s.env = { ...s.env, NODE_OPTIONS: '--require /tmp/evil.js' }),
    (s: (typeof specs)[number]) => (s.id = 'gateway-0'),
  ];
  for (const change of refused) {
    tamper(change);
    assert.throws(() => readRegistry(file), /refused/);
  }
});
