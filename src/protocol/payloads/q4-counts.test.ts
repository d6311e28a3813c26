import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BatchDecodeError } from '../../node/errors.js';
import { encodeQ4Counts, forEachQ4Count } from './q4-counts.js';

const decode = (b: Buffer): [number, number, number][] => {
  const out: [number, number, number][] = [];
  forEachQ4Count(b, (s, u, c) => out.push([s, u, c]));
  return out;
};

test('round trip, every varint length, u32 extremes', () => {
  const m = new Map<number, Map<number, number>>([
    [
      1,
      new Map([
        [0, 1],
        [127, 128],
        [16383, 16384],
        [2097151, 2097152],
        [268435455, 268435456],
        [0xffffffff, 0xffffffff],
      ]),
    ],
    [0xffffffff, new Map([[5, 1]])],
    [3, new Map()],
  ]);
  assert.deepEqual(decode(encodeQ4Counts(m)), [
    [1, 0, 1],
    [1, 127, 128],
    [1, 16383, 16384],
    [1, 2097151, 2097152],
    [1, 268435455, 268435456],
    [1, 0xffffffff, 0xffffffff],
    [0xffffffff, 5, 1],
  ]);
  assert.equal(encodeQ4Counts(new Map()).length, 0);
});

test('a typical pair is 4 bytes, not 12', () => {
  const users = new Map<number, number>();
  for (let u = 20000; u < 21000; u++) users.set(u, 1 + (u % 3));
  const b = encodeQ4Counts(new Map([[7, users]]));
  assert.equal(b.length, 1 + 2 + 1000 * (3 + 1));
  assert.equal(decode(b).length, 1000);
});

test('malformed payloads are rejected', () => {
  const b = encodeQ4Counts(new Map([[7, new Map([[300, 2]])]]));
  for (let cut = 1; cut < b.length; cut++) assert.throws(() => decode(b.subarray(0, cut)), BatchDecodeError, `cut at ${cut}`);
  assert.throws(() => decode(Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0x01])), /longer than 5 bytes/);
  assert.throws(() => decode(Buffer.from([0xff, 0xff, 0xff, 0xff, 0x7f, 0x00])), /above 2\^32/);
});
