import { test } from 'node:test';
import assert from 'node:assert/strict';
import { envValue, nodeOfCmdline } from './discover.js';

test('a node process is recognised by its command line', () => {
  assert.deepEqual(nodeOfCmdline(['/usr/bin/node', '/x/bin/coffee-analysis.js', 'node', 'q2-agg', '--index', '1', '']), {
    kind: 'q2-agg',
    index: 1,
  });
  assert.deepEqual(nodeOfCmdline(['node', 'dummy-node.js', 'node', 'egg-of-life', '--index', '0']), { kind: 'egg-of-life', index: 0 });
  assert.equal(nodeOfCmdline(['/usr/bin/node', '/x/bin/coffee-analysis.js', 'cluster']), null);
  assert.equal(nodeOfCmdline(['node', 'x.js', 'node', 'bogus', '--index', '0']), null);
  assert.equal(nodeOfCmdline(['node', 'x.js', 'node', 'gateway', '--index', '-1']), null);
});

test('environment values from a NUL-separated block', () => {
  const env = 'PATH=/bin\0COFFEE_CLUSTER_CONFIG=/a/cluster.yaml\0X=a=b\0';
  assert.equal(envValue(env, 'COFFEE_CLUSTER_CONFIG'), '/a/cluster.yaml');
  assert.equal(envValue(env, 'X'), 'a=b');
  assert.equal(envValue(env, 'COFFEE'), undefined);
});
