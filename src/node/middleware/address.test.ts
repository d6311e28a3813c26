import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseBrokerAddress } from './address.js';
import { redactUrl, ConfigError } from '../errors.js';

test('one URL: itself, one host (default port 5672)', () => {
  assert.deepEqual(parseBrokerAddress('amqp://guest:guest@localhost/'), {
    url: 'amqp://guest:guest@localhost/',
    hosts: ['localhost:5672'],
  });
});

test('a comma-separated list: the first URL for credentials, every host:port in order', () => {
  const a = parseBrokerAddress('amqp://u:p@127.0.0.1:5701/, amqp://u:p@127.0.0.1:5702/,amqp://u:p@h3:5703/');
  assert.equal(a.url, 'amqp://u:p@127.0.0.1:5701/');
  assert.deepEqual(a.hosts, ['127.0.0.1:5701', '127.0.0.1:5702', 'h3:5703']);
});

test('URLs of a list with other credentials, vhost or scheme are refused, passwords redacted', () => {
  for (const bad of ['amqp://u:p@a/,amqp://u:q@b/', 'amqp://u:p@a/x,amqp://u:p@b/y', 'amqp://u:p@a/,amqps://u:p@b/', 'http://u:p@a/', '']) {
    assert.throws(
      () => parseBrokerAddress(bad),
      (err: unknown) => err instanceof ConfigError && !/:p@|:q@/.test(err.message),
    );
  }
});

test('redactUrl hides every password of a list', () => {
  assert.equal(redactUrl('amqp://u:secret@a:1/,amqp://u:secret@b:2/'), 'amqp://u:***@a:1/,amqp://u:***@b:2/');
  assert.equal(redactUrl('amqp://localhost/'), 'amqp://localhost/');
});
