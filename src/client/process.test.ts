import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CLI_BIN } from '../node/config/paths.js';
import { CLIENT_V8_FLAGS, CLIENT_V8_FLAGS_MIN_BYTES, clientV8Flags } from '../node/v8-flags.js';
import { clientProcessArgs } from './process.js';

test("a client process: its V8 flags ahead of the CLI, then the client's arguments", () => {
  const client = clientProcessArgs(
    { data: '/d', out: '/o', gateways: ['h:1', 'h:2'], htmlReport: false, readers: 2 },
    '/s.json',
    CLIENT_V8_FLAGS,
  );
  assert.deepEqual(client, [
    ...CLIENT_V8_FLAGS,
    CLI_BIN,
    'client',
    '--data',
    '/d',
    '--out',
    '/o',
    '--gateways',
    'h:1,h:2',
    '--summary-json',
    '/s.json',
    '--no-progress',
    '--no-html',
    '--readers',
    '2',
  ]);
});

test('a client gets the V8 flags from CLIENT_V8_FLAGS_MIN_BYTES of input, none below', () => {
  assert.ok(CLIENT_V8_FLAGS.length > 0);
  assert.deepEqual(clientV8Flags(0), []);
  assert.deepEqual(clientV8Flags(CLIENT_V8_FLAGS_MIN_BYTES - 1), []);
  assert.deepEqual(clientV8Flags(CLIENT_V8_FLAGS_MIN_BYTES), CLIENT_V8_FLAGS);
});
