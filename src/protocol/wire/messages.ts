/**
 * Typed bodies of the client <-> gateway frames (see README "Wire protocol"). Each JSON control
 * body has a zod schema and a decoder that returns the typed body or throws a ProtocolError
 * (ERR_FRAME_MALFORMED), so neither side reads fields ad hoc. BATCH, BATCH_ACK and RESULT are
 * binary and have their own codecs below.
 */

import { z } from 'zod';
import { ProtocolError, ErrorCode, isErrorCode } from '../../node/errors.js';
import { DEFAULT_MAX_FRAME_BYTES, FRAME_NAMES, FrameType, frameHeader, parseJsonBody, type Frame } from './frames.js';

export const PROTOCOL_VERSION = 1;

const HelloSchema = z.object({
  version: z.number(),
  /** Resume this session (after a gateway failover) instead of opening a new one. */
  resume: z.string().max(64).optional(),
  /** With `resume`: the session's resume token, as SESSION gave it. A secret: never logged. */
  token: z.string().max(128).optional(),
  /** The client token, when the gateway requires one (gateway `auth.token`). A secret: never logged. */
  auth: z.string().max(1024).optional(),
});
export type Hello = z.infer<typeof HelloSchema>;

const SessionAcceptedSchema = z.object({
  session: z.string(),
  /** The secret a resume must present (128 random bits, hex). Only this client learns it. */
  token: z.string().optional(),
});
export type SessionAccepted = z.infer<typeof SessionAcceptedSchema>;

const TableEndSchema = z.object({
  table: z.string(),
  batches: z.number().int().min(0).max(0x7fffffff),
});
export type TableEnd = z.infer<typeof TableEndSchema>;

const TableEndAckSchema = z.object({ table: z.string() });
export type TableEndAck = z.infer<typeof TableEndAckSchema>;

const ResultMetaSchema = z.object({
  /** Deterministic id of the result message (duplicates are ignored by the client). */
  id: z.string(),
  /** Which report: q1 | q2 | q3 | q4. */
  q: z.string(),
  /** Producing partition and its chunk index (q1 chunks are merged per partition). */
  p: z.number(),
  k: z.number(),
});
export type ResultMeta = z.infer<typeof ResultMetaSchema>;

const ResultAckSchema = z.object({ id: z.string().max(512) });
export type ResultAck = z.infer<typeof ResultAckSchema>;

const CompleteSchema = z.object({
  /** How many distinct result messages the session produced. */
  results: z.number().int().min(0),
});
export type Complete = z.infer<typeof CompleteSchema>;

/**
 * An ERROR body. Lenient on purpose: the connection is closing anyway, so a code this side does
 * not know (a newer gateway) becomes ERR_GATEWAY rather than a second, less useful error.
 */
const ErrorBodySchema = z.object({
  code: z
    .unknown()
    .optional()
    .transform((c): ErrorCode => (isErrorCode(c) ? c : ErrorCode.GATEWAY)),
  message: z
    .unknown()
    .optional()
    .transform((m) => (m === undefined ? 'error' : typeof m === 'string' ? m : JSON.stringify(m))),
});
export type ErrorBody = z.infer<typeof ErrorBodySchema>;

function decodeJson<S extends z.ZodType>(schema: S, frame: Frame): z.infer<S> {
  const result = schema.safeParse(parseJsonBody(frame));
  if (!result.success) {
    const issue = result.error.issues[0];
    const where = issue?.path.length ? issue.path.join('.') : 'body';
    throw new ProtocolError(ErrorCode.FRAME_MALFORMED, `${FRAME_NAMES[frame.type]} frame: ${where}: ${issue?.message ?? 'invalid'}`);
  }
  return result.data;
}

export const decodeHello = (frame: Frame): Hello => decodeJson(HelloSchema, frame);
export const decodeSessionAccepted = (frame: Frame): SessionAccepted => decodeJson(SessionAcceptedSchema, frame);
export const decodeTableEnd = (frame: Frame): TableEnd => decodeJson(TableEndSchema, frame);
export const decodeTableEndAck = (frame: Frame): TableEndAck => decodeJson(TableEndAckSchema, frame);
export const decodeResultAck = (frame: Frame): ResultAck => decodeJson(ResultAckSchema, frame);
export const decodeComplete = (frame: Frame): Complete => decodeJson(CompleteSchema, frame);
export const decodeErrorBody = (frame: Frame): ErrorBody => decodeJson(ErrorBodySchema, frame);

/**
 * BATCH body: u8 table code | 3 zero bytes | u32 seq | batch payload. The 8-byte head keeps
 * the payload 4-byte aligned, so the gateway reads its columns in place without copying.
 */
export const BATCH_HEAD_BYTES = 8;
/** The largest batch payload whose BATCH frame fits a gateway's default frame limit (`max_frame_bytes`). */
export const MAX_BATCH_PAYLOAD_BYTES = DEFAULT_MAX_FRAME_BYTES - 1 - BATCH_HEAD_BYTES;
export function encodeBatchFrame(tableCode: number, seq: number, payload: Buffer): Buffer[] {
  const head = Buffer.alloc(BATCH_HEAD_BYTES);
  head[0] = tableCode;
  head.writeUInt32BE(seq, 4);
  return [frameHeader(FrameType.BATCH, BATCH_HEAD_BYTES + payload.length), head, payload];
}
export function decodeBatchFrame(frame: Frame): { tableCode: number; seq: number; payload: Buffer } {
  if (frame.body.length < BATCH_HEAD_BYTES)
    throw new ProtocolError(ErrorCode.FRAME_MALFORMED, `BATCH frame shorter than its ${BATCH_HEAD_BYTES}-byte head`);
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
  if (frame.body.length !== 5) throw new ProtocolError(ErrorCode.FRAME_MALFORMED, 'BATCH_ACK frame must be 5 bytes');
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
  if (frame.body.length < 2) throw new ProtocolError(ErrorCode.FRAME_MALFORMED, 'RESULT frame too short');
  const len = frame.body.readUInt16BE(0);
  if (2 + len > frame.body.length) throw new ProtocolError(ErrorCode.FRAME_MALFORMED, 'RESULT frame meta exceeds the frame');
  const meta = decodeJson(ResultMetaSchema, { type: FrameType.RESULT, body: frame.body.subarray(2, 2 + len) });
  return { meta, payload: frame.body.subarray(2 + len) };
}
