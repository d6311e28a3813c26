import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FrameDecoder, FrameType, encodeFrame, encodeJsonFrame, type Frame } from './frames.js';
import {
  BATCH_HEAD_BYTES,
  MAX_BATCH_PAYLOAD_BYTES,
  decodeBatchAck,
  decodeBatchFrame,
  decodeComplete,
  decodeErrorBody,
  decodeHello,
  decodeResultAck,
  decodeResultFrame,
  decodeSessionAccepted,
  decodeTableEnd,
  decodeTableEndAck,
  encodeBatchAck,
  encodeBatchFrame,
  encodeResultFrame,
} from './messages.js';
import { ProtocolError } from '../../node/errors.js';

/** Sends the pieces through a real decoder, as the socket would. */
function roundTrip(pieces: Buffer[]): Frame {
  const frames = new FrameDecoder().push(Buffer.concat(pieces));
  assert.equal(frames.length, 1);
  return frames[0];
}
const malformed = (e: unknown): boolean => e instanceof ProtocolError && e.code === 'ERR_FRAME_MALFORMED';

test('the largest batch payload fits a default frame exactly; one byte more is refused from the header', () => {
  const largest = Buffer.alloc(MAX_BATCH_PAYLOAD_BYTES, 7);
  const got = decodeBatchFrame(roundTrip(encodeBatchFrame(4, 9, largest)));
  assert.equal(got.payload.length, MAX_BATCH_PAYLOAD_BYTES);
  assert.throws(
    () => new FrameDecoder().push(Buffer.concat(encodeBatchFrame(4, 9, Buffer.alloc(MAX_BATCH_PAYLOAD_BYTES + 1)))),
    (e: unknown) => e instanceof ProtocolError && e.code === 'ERR_FRAME_TOO_LARGE',
  );
});

test('BATCH round-trips table code, seq (full u32 range) and payload', () => {
  for (const [code, seq] of [
    [0, 0],
    [3, 1],
    [255, 0xffffffff],
    [2, 123456789],
  ] as const) {
    const payload = Buffer.from(`rows ${code} ${seq}`);
    const frame = roundTrip(encodeBatchFrame(code, seq, payload));
    assert.equal(frame.type, FrameType.BATCH);
    const got = decodeBatchFrame(frame);
    assert.deepEqual({ tableCode: got.tableCode, seq: got.seq }, { tableCode: code, seq });
    assert.ok(got.payload.equals(payload));
  }
  // Empty payload is allowed.
  assert.equal(decodeBatchFrame(roundTrip(encodeBatchFrame(1, 2, Buffer.alloc(0)))).payload.length, 0);
});

test('BATCH shorter than its header is malformed', () => {
  for (const n of [0, 1, 4, BATCH_HEAD_BYTES - 1])
    assert.throws(() => decodeBatchFrame({ type: FrameType.BATCH, body: Buffer.alloc(n) }), malformed);
  // Exactly the head: an empty payload.
  assert.equal(decodeBatchFrame({ type: FrameType.BATCH, body: Buffer.alloc(BATCH_HEAD_BYTES) }).payload.length, 0);
});

test('BATCH_ACK round-trips and must be exactly 5 bytes', () => {
  const frame = roundTrip(encodeBatchAck(4, 0xfffffffe));
  assert.equal(frame.type, FrameType.BATCH_ACK);
  assert.deepEqual(decodeBatchAck(frame), { tableCode: 4, seq: 0xfffffffe });
  for (const n of [0, 4, 6]) assert.throws(() => decodeBatchAck({ type: FrameType.BATCH_ACK, body: Buffer.alloc(n) }), malformed);
});

test('RESULT round-trips meta and binary payload', () => {
  const meta = { id: 'q1:1:3', q: 'q1', p: 1, k: 3 };
  const payload = Buffer.from([0, 1, 2, 0xff, 0x7b]); // includes a '{' byte after the meta
  const frame = roundTrip(encodeResultFrame(meta, payload));
  assert.equal(frame.type, FrameType.RESULT);
  const got = decodeResultFrame(frame);
  assert.deepEqual(got.meta, meta);
  assert.ok(got.payload.equals(payload));
  // Non-ASCII in meta: length is counted in bytes, not characters.
  const m2 = { id: 'ñandú-☕', q: 'q2', p: 0, k: 0 };
  assert.deepEqual(decodeResultFrame(roundTrip(encodeResultFrame(m2, Buffer.from('x')))).meta, m2);
});

test('RESULT malformed cases', () => {
  const body = (metaJson: string, declared?: number, payload = Buffer.alloc(0)): Frame => {
    const json = Buffer.from(metaJson);
    const head = Buffer.alloc(2);
    head.writeUInt16BE(declared ?? json.length, 0);
    return { type: FrameType.RESULT, body: Buffer.concat([head, json, payload]) };
  };
  assert.throws(() => decodeResultFrame({ type: FrameType.RESULT, body: Buffer.alloc(1) }), malformed);
  assert.throws(() => decodeResultFrame(body('{"id":"a","q":"q1","p":0,"k":0}', 500)), malformed); // meta beyond frame
  assert.throws(() => decodeResultFrame(body('{"id":"a","q":"q1","p":0')), malformed); // invalid JSON
  assert.throws(() => decodeResultFrame(body('[1]')), malformed); // not an object
  assert.throws(() => decodeResultFrame(body('{"id":"a","q":"q1","p":0}')), malformed); // lacks k
  assert.throws(() => decodeResultFrame(body('{"id":1,"q":"q1","p":0,"k":0}')), malformed); // id not a string
  assert.throws(() => decodeResultFrame(body('{"id":"a","q":"q1","p":"0","k":0}')), malformed); // p not a number
  // Sanity: the helper builds a valid one.
  assert.equal(decodeResultFrame(body('{"id":"a","q":"q1","p":0,"k":0}', undefined, Buffer.from('zz'))).payload.toString(), 'zz');
  assert.ok(encodeFrame(FrameType.RESULT, Buffer.alloc(0)).length === 5);
});

const json = (type: Frame['type'], value: unknown): Frame => roundTrip([encodeJsonFrame(type, value)]);

test('JSON control bodies decode to their typed shapes', () => {
  assert.deepEqual(decodeHello(json(FrameType.HELLO, { version: 1 })), { version: 1 });
  assert.deepEqual(decodeHello(json(FrameType.HELLO, { version: 1, resume: 'r' })), { version: 1, resume: 'r' });
  assert.deepEqual(decodeSessionAccepted(json(FrameType.SESSION, { session: 's' })), { session: 's' });
  assert.deepEqual(decodeTableEnd(json(FrameType.TABLE_END, { table: 'stores', batches: 3 })), { table: 'stores', batches: 3 });
  assert.deepEqual(decodeTableEndAck(json(FrameType.TABLE_END_ACK, { table: 'stores' })), { table: 'stores' });
  assert.deepEqual(decodeResultAck(json(FrameType.RESULT_ACK, { id: 'x' })), { id: 'x' });
  assert.deepEqual(decodeComplete(json(FrameType.COMPLETE, { results: 12 })), { results: 12 });
});

test('a control body of the wrong shape is ERR_FRAME_MALFORMED naming the frame and field', () => {
  const names = (frame: string, field: string) => (e: unknown) =>
    malformed(e) && (e as Error).message.includes(frame) && (e as Error).message.includes(field);
  assert.throws(() => decodeHello(json(FrameType.HELLO, {})), names('HELLO', 'version'));
  assert.throws(() => decodeHello(json(FrameType.HELLO, { version: 1, resume: 7 })), names('HELLO', 'resume'));
  assert.throws(() => decodeTableEnd(json(FrameType.TABLE_END, { table: 'stores', batches: -1 })), names('TABLE_END', 'batches'));
  assert.throws(() => decodeTableEnd(json(FrameType.TABLE_END, { table: 'stores', batches: 1.5 })), names('TABLE_END', 'batches'));
  assert.throws(() => decodeResultAck(json(FrameType.RESULT_ACK, { id: 1 })), names('RESULT_ACK', 'id'));
  assert.throws(() => decodeComplete(json(FrameType.COMPLETE, {})), names('COMPLETE', 'results'));
  assert.throws(() => decodeSessionAccepted(json(FrameType.SESSION, [])), malformed);
});

test('an ERROR body keeps a catalogue code; an unknown or missing one becomes ERR_GATEWAY', () => {
  assert.deepEqual(decodeErrorBody(json(FrameType.ERROR, { code: 'ERR_BUSY', message: 'busy' })), { code: 'ERR_BUSY', message: 'busy' });
  assert.deepEqual(decodeErrorBody(json(FrameType.ERROR, { code: 'ERR_FROM_THE_FUTURE', message: 'm' })), {
    code: 'ERR_GATEWAY',
    message: 'm',
  });
  assert.deepEqual(decodeErrorBody(json(FrameType.ERROR, {})), { code: 'ERR_GATEWAY', message: 'error' });
});
