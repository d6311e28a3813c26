import { ProtocolError } from '../../node/errors.js';
import { FrameType, frameHeader, parseJsonBody, type Frame } from './frames.js';

/** Typed bodies of the client <-> gateway frames (see README "Wire protocol"). */
export const PROTOCOL_VERSION = 1;

export interface Hello {
  version: number;
  /** Resume this session (after a gateway failover) instead of opening a new one. */
  resume?: string;
}
export interface SessionAccepted {
  session: string;
  /** Per table, the number of batches the system already holds (resume from there). */
  acked: Record<string, number>;
}
export interface TableEnd {
  table: string;
  batches: number;
}
export interface ResultMeta {
  /** Deterministic id of the result message (duplicates are ignored by the client). */
  id: string;
  /** Which report: q1 | q2 | q3 | q4. */
  q: string;
  /** Producing partition and its chunk index (q1 chunks are merged per partition). */
  p: number;
  k: number;
}
export interface Complete {
  /** How many distinct result messages the session produced. */
  results: number;
}
export interface ErrorBody {
  code: string;
  message: string;
}

/**
 * BATCH body: u8 table code | 3 zero bytes | u32 seq | batch payload. The 8-byte head keeps
 * the payload 4-byte aligned, so the gateway reads its columns in place without copying.
 */
export const BATCH_HEAD_BYTES = 8;
export function encodeBatchFrame(tableCode: number, seq: number, payload: Buffer): Buffer[] {
  const head = Buffer.alloc(BATCH_HEAD_BYTES);
  head[0] = tableCode;
  head.writeUInt32BE(seq, 4);
  return [frameHeader(FrameType.BATCH, BATCH_HEAD_BYTES + payload.length), head, payload];
}
export function decodeBatchFrame(frame: Frame): { tableCode: number; seq: number; payload: Buffer } {
  if (frame.body.length < BATCH_HEAD_BYTES)
    throw new ProtocolError('ERR_FRAME_MALFORMED', `BATCH frame shorter than its ${BATCH_HEAD_BYTES}-byte head`);
  return { tableCode: frame.body[0], seq: frame.body.readUInt32BE(4), payload: frame.body.subarray(BATCH_HEAD_BYTES) };
}

/** BATCH_ACK body: u8 table code | u32 seq. */
export function encodeBatchAck(tableCode: number, seq: number): Buffer[] {
  const body = Buffer.allocUnsafe(5);
  body[0] = tableCode;
  body.writeUInt32BE(seq, 1);
  return [frameHeader(FrameType.BATCH_ACK, 5), body];
}
export function decodeBatchAck(frame: Frame): { tableCode: number; seq: number } {
  if (frame.body.length !== 5) throw new ProtocolError('ERR_FRAME_MALFORMED', 'BATCH_ACK frame must be 5 bytes');
  return { tableCode: frame.body[0], seq: frame.body.readUInt32BE(1) };
}

/** RESULT body: u16 meta length | meta JSON | payload. */
export function encodeResultFrame(meta: ResultMeta, payload: Buffer): Buffer[] {
  const json = Buffer.from(JSON.stringify(meta), 'utf8');
  const head = Buffer.allocUnsafe(2);
  head.writeUInt16BE(json.length, 0);
  return [frameHeader(FrameType.RESULT, 2 + json.length + payload.length), head, json, payload];
}
export function decodeResultFrame(frame: Frame): { meta: ResultMeta; payload: Buffer } {
  if (frame.body.length < 2) throw new ProtocolError('ERR_FRAME_MALFORMED', 'RESULT frame too short');
  const len = frame.body.readUInt16BE(0);
  if (2 + len > frame.body.length) throw new ProtocolError('ERR_FRAME_MALFORMED', 'RESULT frame meta exceeds the frame');
  const meta = parseJsonBody({ type: FrameType.RESULT, body: frame.body.subarray(2, 2 + len) }) as unknown as ResultMeta;
  if (typeof meta.id !== 'string' || typeof meta.q !== 'string' || typeof meta.p !== 'number' || typeof meta.k !== 'number') {
    throw new ProtocolError('ERR_FRAME_MALFORMED', 'RESULT frame meta lacks id/q/p/k');
  }
  return { meta, payload: frame.body.subarray(2 + len) };
}
