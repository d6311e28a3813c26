import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isLocalDefaultAddress, planLocalBroker, dockerRunArgs } from './private-broker.js';

test('local default address: localhost or 127.0.0.1 on any port, guest, vhost /; nothing else', () => {
  assert.deepEqual(isLocalDefaultAddress('amqp://guest:guest@localhost:5672/'), { port: 5672 });
  assert.deepEqual(isLocalDefaultAddress('amqp://guest:guest@127.0.0.1:5999'), { port: 5999 });
  assert.deepEqual(isLocalDefaultAddress('amqp://localhost'), { port: 5672 });
  for (const other of [
    'amqp://guest:guest@rabbit:5672/',
    'amqp://me:pw@localhost/',
    'amqp://localhost/vh',
    'amqps://localhost/',
    'amqp://localhost:1,amqp://localhost:2',
  ])
    assert.equal(isLocalDefaultAddress(other), undefined, other);
});

test('the plan: a private node where rabbitmq-server is installed, else a container where Docker answers, else the commands', () => {
  assert.deepEqual(planLocalBroker(5672, { rabbitmqServer: () => '/x/rabbitmq-server', dockerAnswers: () => true }), {
    kind: 'private',
    server: '/x/rabbitmq-server',
  });
  const docker = planLocalBroker(5999, { rabbitmqServer: () => undefined, dockerAnswers: () => true });
  assert.deepEqual(docker, { kind: 'docker', args: dockerRunArgs(5999) });
  assert.ok(dockerRunArgs(5999).includes('rabbitmq:3.10'));
  assert.deepEqual(dockerRunArgs(5999).slice(dockerRunArgs(5999).indexOf('--network'), dockerRunArgs(5999).indexOf('--network') + 2), [
    '--network',
    'host',
  ]);
  assert.ok(dockerRunArgs(5999).includes('RABBITMQ_NODE_PORT=5999'));
  const none = planLocalBroker(5672, { rabbitmqServer: () => undefined, dockerAnswers: () => false });
  assert.equal(none.kind, 'none');
  if (none.kind === 'none') {
    assert.match(none.help, /apt-get install -y rabbitmq-server/);
    assert.match(none.help, /brew install rabbitmq/);
    assert.match(none.help, /docker run -d --name rabbitmq -p 5672:5672 rabbitmq:3\.10/);
  }
});
