import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ClusterConfigSchema, clusterEnv } from './cluster.js';
import { applyEnvOverrides } from './load.js';

const load = (env: NodeJS.ProcessEnv) => ClusterConfigSchema.parse(applyEnvOverrides({}, clusterEnv(env)));

test('middleware.queue_type: classic by default, quorum from COFFEE__MIDDLEWARE__QUEUE_TYPE; COFFEE_CLUSTER__ wins', () => {
  assert.equal(load({}).middleware.queue_type, 'classic');
  assert.equal(load({ COFFEE__MIDDLEWARE__QUEUE_TYPE: 'quorum' }).middleware.queue_type, 'quorum');
  assert.equal(
    load({ COFFEE__MIDDLEWARE__QUEUE_TYPE: 'quorum', COFFEE_CLUSTER__MIDDLEWARE__QUEUE_TYPE: 'classic' }).middleware.queue_type,
    'classic',
  );
  assert.throws(() => load({ COFFEE__MIDDLEWARE__QUEUE_TYPE: 'stream' }));
});

test('middleware.patience from COFFEE_CLUSTER__MIDDLEWARE__PATIENCE; a list of URLs from AMQP_URL', () => {
  const c = load({ COFFEE_CLUSTER__MIDDLEWARE__PATIENCE: '3000', AMQP_URL: 'amqp://a:1/,amqp://b:2/' });
  assert.equal(c.middleware.patience, 3000);
  assert.equal(c.middleware.address, 'amqp://a:1/,amqp://b:2/');
});
