import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deriveRandom } from '../../tools/generator/random.js';
import {
  DEFAULT_MAX_FRAME_BYTES,
  FrameDecoder,
  FrameType,
  encodeFrame,
  encodeJsonFrame,
  frameHeader,
  parseJsonBody,
  type Frame,
} from './frames.js';
import { ProtocolError } from '../../node/errors.js';

function throwsCode(fn: () => unknown, code: string): void {
  assert.throws(fn, (err: unknown) => err instanceof ProtocolError && err.code === code);
}

test('encodeFrame writes u32 BE length (type + body), the type byte, then the body', () => {
  const body = Buffer.from('abc');
  const f = encodeFrame(FrameType.BATCH, body);
  assert.deepEqual([...f], [0, 0, 0, 4, 0x03, 0x61, 0x62, 0x63]);
  assert.deepEqual(frameHeader(FrameType.BATCH, 3), f.subarray(0, 5));
  // Empty body is still a valid frame (length 1: the type byte).
  assert.deepEqual([...encodeFrame(FrameType.BYE, Buffer.alloc(0))], [0, 0, 0, 1, 0x0b]);
});

test('frameHeader + body written separately decode as one frame', () => {
  const body = Buffer.from('payload');
  const d = new FrameDecoder();
  const frames = [...d.push(frameHeader(FrameType.RESULT, body.length)), ...d.push(body)];
  assert.equal(frames.length, 1);
  assert.equal(frames[0].type, FrameType.RESULT);
  assert.deepEqual(frames[0].body, body);
  assert.equal(d.buffered, 0);
});

test('a stream split at every byte boundary yields the same frames', () => {
  const parts = [
    encodeJsonFrame(FrameType.HELLO, { version: 1 }),
    encodeFrame(FrameType.BATCH, Buffer.from([1, 2, 3, 4, 5, 6, 7])),
    encodeFrame(FrameType.BYE, Buffer.alloc(0)),
    encodeJsonFrame(FrameType.ERROR, { code: 'X', message: 'y' }),
  ];
  const stream = Buffer.concat(parts);
  const expected: Frame[] = parts.map((p) => ({ type: p[4] as Frame['type'], body: p.subarray(5) }));
  // Two cuts: every (i, j) pair of split points.
  for (let i = 0; i <= stream.length; i++) {
    for (let j = i; j <= stream.length; j += 3) {
      const d = new FrameDecoder();
      const got = [...d.push(stream.subarray(0, i)), ...d.push(stream.subarray(i, j)), ...d.push(stream.subarray(j))];
      assert.deepEqual(got, expected, `split at ${i},${j}`);
      assert.equal(d.buffered, 0);
    }
  }
  // One byte at a time.
  const d = new FrameDecoder();
  const got: Frame[] = [];
  for (let i = 0; i < stream.length; i++) {
    got.push(...d.push(stream.subarray(i, i + 1)));
    if (i < stream.length - 1) assert.ok(d.buffered > 0 || got.length > 0);
  }
  assert.deepEqual(got, expected);
});

test('several frames in one chunk are all returned, a trailing partial one is kept', () => {
  const a = encodeFrame(FrameType.BATCH_ACK, Buffer.from([9, 0, 0, 0, 1]));
  const b = encodeFrame(FrameType.TABLE_END, Buffer.from('{}'));
  const c = encodeFrame(FrameType.COMPLETE, Buffer.from('{"results":3}'));
  const d = new FrameDecoder();
  const first = d.push(Buffer.concat([a, b, c.subarray(0, 7)]));
  assert.deepEqual(
    first.map((f) => f.type),
    [FrameType.BATCH_ACK, FrameType.TABLE_END],
  );
  assert.equal(d.buffered, 7);
  const second = d.push(c.subarray(7));
  assert.equal(second.length, 1);
  assert.equal(second[0].body.toString(), '{"results":3}');
});

test('a 1 MiB frame across many chunks arrives intact', () => {
  const body = Buffer.alloc(1024 * 1024);
  for (let i = 0; i < body.length; i++) body[i] = (i * 31 + (i >> 8)) & 0xff;
  const stream = Buffer.concat([encodeFrame(FrameType.BATCH, body), encodeFrame(FrameType.BYE, Buffer.alloc(0))]);
  const d = new FrameDecoder();
  const got: Frame[] = [];
  let off = 0;
  let n = 0;
  while (off < stream.length) {
    const size = 1 + ((n++ * 7919) % 65536);
    got.push(...d.push(stream.subarray(off, off + size)));
    off += size;
  }
  assert.equal(got.length, 2);
  assert.equal(got[0].type, FrameType.BATCH);
  assert.ok(got[0].body.equals(body));
  assert.equal(got[1].type, FrameType.BYE);
});

test('bodies returned earlier stay intact after later pushes reuse the buffer', () => {
  const d = new FrameDecoder();
  const kept: Frame[] = [];
  for (let i = 0; i < 200; i++) {
    const body = Buffer.alloc(1000, i & 0xff);
    const f = encodeFrame(FrameType.BATCH, body);
    // Push in two halves so the decoder's buffer is written over and over.
    kept.push(...d.push(f.subarray(0, 400)), ...d.push(f.subarray(400)));
  }
  assert.equal(kept.length, 200);
  kept.forEach((f, i) => assert.ok(f.body.equals(Buffer.alloc(1000, i & 0xff)), `frame ${i}`));
  // The caller's chunk is copied too: mutating it afterwards changes nothing.
  const chunk = encodeFrame(FrameType.BATCH, Buffer.from('hello'));
  const [f] = d.push(chunk);
  chunk.fill(0);
  assert.equal(f.body.toString(), 'hello');
});

test('a zero length is ERR_FRAME_MALFORMED', () => {
  throwsCode(() => new FrameDecoder().push(Buffer.from([0, 0, 0, 0, 3])), 'ERR_FRAME_MALFORMED');
  // Even after a good frame in the same chunk.
  throwsCode(
    () => new FrameDecoder().push(Buffer.concat([encodeFrame(FrameType.BYE, Buffer.alloc(0)), Buffer.alloc(4)])),
    'ERR_FRAME_MALFORMED',
  );
});

test('an oversized length is ERR_FRAME_TOO_LARGE from the 4-byte header alone', () => {
  const d = new FrameDecoder(1024);
  const head = Buffer.alloc(4);
  head.writeUInt32BE(1025, 0);
  throwsCode(() => d.push(head), 'ERR_FRAME_TOO_LARGE');
  // Exactly at the limit is fine.
  const ok = new FrameDecoder(1024);
  const frames = ok.push(encodeFrame(FrameType.BATCH, Buffer.alloc(1023)));
  assert.equal(frames.length, 1);
  // Default limit: a header announcing 2^32-1 bytes is refused without waiting for the body.
  throwsCode(() => new FrameDecoder().push(Buffer.from([0xff, 0xff, 0xff, 0xff])), 'ERR_FRAME_TOO_LARGE');
  const justOver = Buffer.alloc(4);
  justOver.writeUInt32BE(DEFAULT_MAX_FRAME_BYTES + 1, 0);
  throwsCode(() => new FrameDecoder().push(justOver), 'ERR_FRAME_TOO_LARGE');
});

test('an unknown type is ERR_FRAME_UNKNOWN_TYPE', () => {
  throwsCode(() => new FrameDecoder().push(Buffer.from([0, 0, 0, 1, 0x7e])), 'ERR_FRAME_UNKNOWN_TYPE');
  throwsCode(() => new FrameDecoder().push(Buffer.from([0, 0, 0, 1, 0x00])), 'ERR_FRAME_UNKNOWN_TYPE');
  // Every declared type is accepted.
  for (const t of Object.values(FrameType)) assert.equal(new FrameDecoder().push(encodeFrame(t, Buffer.alloc(0)))[0].type, t);
});

test('parseJsonBody returns objects and rejects invalid JSON and non-objects', () => {
  const f = (s: string): Frame => ({ type: FrameType.HELLO, body: Buffer.from(s) });
  assert.deepEqual(parseJsonBody(f('{"version":1,"resume":"x"}')), { version: 1, resume: 'x' });
  for (const bad of ['', '{', 'not json', '[1,2]', 'null', '42', '"s"', 'true']) {
    assert.throws(
      () => parseJsonBody(f(bad)),
      (e: unknown) => e instanceof ProtocolError && e.code === 'ERR_FRAME_MALFORMED' && e.message.includes('HELLO'),
      bad,
    );
  }
});

test('a control frame over the control cap is refused from its header, before its body is buffered', () => {
  const d = new FrameDecoder({ maxFrameBytes: 1 << 20, maxControlBytes: 4096 });
  const head = Buffer.alloc(5);
  head.writeUInt32BE(8 * 1024, 0);
  head[4] = FrameType.RESULT_ACK;
  throwsCode(() => d.push(head), 'ERR_FRAME_TOO_LARGE');
  // The same length is fine for a data frame, and a control frame at the cap is fine.
  const big = new FrameDecoder({ maxFrameBytes: 1 << 20, maxControlBytes: 4096 });
  assert.equal(big.push(encodeFrame(FrameType.BATCH, Buffer.alloc(8 * 1024)))[0].body.length, 8 * 1024);
  assert.equal(big.push(encodeFrame(FrameType.HELLO, Buffer.alloc(4095)))[0].type, FrameType.HELLO);
});

test('while data frames are not allowed (before HELLO) every frame has the control cap', () => {
  const d = new FrameDecoder({ maxFrameBytes: 1 << 20, maxControlBytes: 4096 });
  d.dataFramesAllowed = false;
  const head = Buffer.alloc(5);
  head.writeUInt32BE(4097, 0);
  head[4] = FrameType.BATCH;
  throwsCode(() => d.push(head), 'ERR_FRAME_TOO_LARGE');
});

test('an unknown type is refused from the header, without waiting for the announced body', () => {
  const head = Buffer.alloc(5);
  head.writeUInt32BE(1 << 20, 0);
  head[4] = 0x7e;
  throwsCode(() => new FrameDecoder().push(head), 'ERR_FRAME_UNKNOWN_TYPE');
});

test('the decoder releases its buffer once a large frame has been consumed', () => {
  const d = new FrameDecoder();
  const frame = encodeFrame(FrameType.BATCH, Buffer.alloc(2 * 1024 * 1024));
  for (let i = 0; i < frame.length; i += 65536) d.push(frame.subarray(i, i + 65536));
  assert.equal(d.buffered, 0);
  assert.ok(d.bufferCapacity <= 256 * 1024, `buffer kept ${d.bufferCapacity} bytes`);
});

test('large frames arriving in pieces are filled into a body of their own: same frames, one frame of memory', () => {
  const r = deriveRandom(7);
  const rand = (n: number): number => r.int(n);
  const sent: Frame[] = [];
  for (let i = 0; i < 40; i++) {
    const large = i % 3 !== 2;
    const body = Buffer.alloc(large ? 65 * 1024 + rand(300_000) : rand(60));
    for (let k = 0; k < body.length; k += 97) body[k] = rand(256);
    sent.push({ type: large ? FrameType.BATCH : FrameType.BATCH_ACK, body });
  }
  const wire = Buffer.concat(sent.map((f) => encodeFrame(f.type, f.body)));
  for (const chunkBytes of [1, 3, 4096, 65_536, 200_000]) {
    const d = new FrameDecoder();
    const got: Frame[] = [];
    let maxCapacity = 0;
    for (let at = 0; at < wire.length;) {
      // Socket-like: pieces around the chosen size, some cut inside a 5-byte header.
      const n = chunkBytes < 10 ? chunkBytes : Math.max(1, chunkBytes - rand(chunkBytes / 2));
      got.push(...d.push(wire.subarray(at, at + n)));
      at += n;
      maxCapacity = Math.max(maxCapacity, d.bufferCapacity);
      if (at < wire.length) assert.ok(d.buffered >= 0);
    }
    assert.equal(d.buffered, 0);
    assert.equal(got.length, sent.length, `chunks of ${chunkBytes}`);
    got.forEach((f, i) => {
      assert.equal(f.type, sent[i].type);
      assert.ok(f.body.equals(sent[i].body), `frame ${i}, chunks of ${chunkBytes}`);
    });
    // At most the largest frame's body plus a chunk and a header's worth of buffer.
    assert.ok(
      maxCapacity <= 65 * 1024 + 300_000 + 2 * Math.max(chunkBytes, 64 * 1024),
      `capacity ${maxCapacity} with chunks of ${chunkBytes}`,
    );
  }
});
