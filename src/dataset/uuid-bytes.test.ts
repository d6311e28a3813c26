import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { packUuid, unpackUuid } from './uuid-bytes.js';

test('every byte value and random UUIDs round trip to the same text', () => {
  const ids = Array.from({ length: 2000 }, () => randomUUID());
  // Byte b at every position: 00000000-0000-..., 01010101-..., ff...ff
  for (let b = 0; b < 256; b++) {
    const h = b.toString(16).padStart(2, '0');
    ids.push(`${h.repeat(4)}-${h.repeat(2)}-${h.repeat(2)}-${h.repeat(2)}-${h.repeat(6)}`);
  }
  const packed = Buffer.alloc(16);
  const text = Buffer.alloc(36);
  for (const id of ids) {
    assert.ok(packUuid(Buffer.from(id, 'latin1'), 0, packed, 0), id);
    assert.equal(packed.toString('hex'), id.replaceAll('-', ''));
    unpackUuid(packed, 0, text, 0);
    assert.equal(text.toString('latin1'), id);
  }
});

test('not packed: uppercase, misplaced dashes, non-hex', () => {
  const out = Buffer.alloc(16);
  const id = '04ecb88f-5ea7-406e-9feb-e94af07115c7';
  for (const bad of [
    id.toUpperCase(),
    `${id.slice(0, 8)}x${id.slice(9)}`,
    `-${id.slice(1)}`,
    `${id.slice(0, 35)}g`,
    `${id.slice(0, 35)} `,
  ]) {
    assert.equal(packUuid(Buffer.from(bad, 'latin1'), 0, out, 0), false, bad);
  }
});

test('not packed: any byte that is not a lowercase hex digit, at every digit position', () => {
  const out = Buffer.alloc(16);
  const id = Buffer.from('04ecb88f-5ea7-406e-9feb-e94af07115c7', 'latin1');
  const hex = new Set(Buffer.from('0123456789abcdef', 'latin1'));
  for (let at = 0; at < 36; at++) {
    if (at === 8 || at === 13 || at === 18 || at === 23) continue;
    for (let b = 0; b < 256; b++) {
      if (hex.has(b)) continue;
      const bad = Buffer.from(id);
      bad[at] = b;
      assert.equal(packUuid(bad, 0, out, 0), false, `byte ${b} at ${at}`);
    }
  }
  assert.ok(packUuid(id, 0, out, 0));
});
