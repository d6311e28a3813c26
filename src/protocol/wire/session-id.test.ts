import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertSessionId, isSessionId, newSessionId } from './session-id.js';
import { ProtocolError } from '../../node/errors.js';

test('newSessionId produces distinct valid ids', () => {
  const ids = new Set(Array.from({ length: 50 }, () => newSessionId()));
  assert.equal(ids.size, 50);
  for (const id of ids) assert.equal(assertSessionId(id), id);
});

test('only lower-case canonical UUIDs are accepted', () => {
  assert.ok(isSessionId('0123abcd-4567-89ab-cdef-0123456789ab'));
  const bad: unknown[] = [
    '../../etc/passwd',
    '0123abcd-4567-89ab-cdef-0123456789ab/../x',
    '../0123abcd-4567-89ab-cdef-0123456789ab',
    '0123abcd-4567-89ab-cdef-0123456789ab\n',
    '0123abcd-4567-89ab-cdef-0123456789a',
    '0123ABCD-4567-89AB-CDEF-0123456789AB',
    '0123abcd45678-9ab-cdef-0123456789ab',
    'x123abcd-4567-89ab-cdef-0123456789ab',
    '0123abcd-4567-89ab-cdef-0123456789ab.log',
    '',
    undefined,
    null,
    42,
    { toString: () => '0123abcd-4567-89ab-cdef-0123456789ab' },
  ];
  for (const s of bad) {
    assert.equal(isSessionId(s), false, String(s));
    assert.throws(
      () => assertSessionId(s),
      (e: unknown) => e instanceof ProtocolError && e.code === 'ERR_SESSION_ID',
      String(s),
    );
  }
});
