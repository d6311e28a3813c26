import { ProtocolError, ErrorCode } from '../../node/errors.js';

/**
 * Client <-> gateway framing. Every frame is `u32 length (big-endian) | u8 type | body`, where
 * length counts the type byte and the body. Control frames carry a small JSON object; the two
 * hot frames (BATCH, RESULT) carry binary bodies so row data is never re-encoded.
 */
export const FrameType = {
  HELLO: 0x01,
  SESSION: 0x02,
  BATCH: 0x03,
  BATCH_ACK: 0x04,
  TABLE_END: 0x05,
  TABLE_END_ACK: 0x06,
  RESULT: 0x07,
  RESULT_ACK: 0x08,
  COMPLETE: 0x09,
  DONE: 0x0a,
  BYE: 0x0b,
  /**
   * Gateway → client, every `client_keepalive` while a session is open: the gateway is alive and
   * the session still open, though nothing else is due (e.g. a big session computing its
   * reports). It lets the client tell a long wait from a dead or silent gateway (its
   * `--idle-timeout`). Body `{}`; a client never sends it.
   */
  KEEPALIVE: 0x0c,
  ERROR: 0x0f,
} as const;
export type FrameTypeCode = (typeof FrameType)[keyof typeof FrameType];
const KNOWN = new Set<number>(Object.values(FrameType));
export const FRAME_NAMES: Record<number, string> = Object.fromEntries(Object.entries(FrameType).map(([k, v]) => [v, k]));

export interface Frame {
  type: FrameTypeCode;
  body: Buffer;
}

/**
 * Default cap on one frame. The client's default batch bound is what fits it (`MAX_BATCH_PAYLOAD_BYTES`);
 * packed, such a batch is 2.2-3.5 MiB.
 */
export const DEFAULT_MAX_FRAME_BYTES = 8 * 1024 * 1024;
/**
 * Default cap on a control frame (every type but BATCH and RESULT, whose bodies are row data).
 * Control bodies are a few dozen bytes of JSON; a small cap checked on the header keeps a
 * hostile peer from making the other side buffer, then parse, megabytes of nested JSON.
 */
export const DEFAULT_MAX_CONTROL_BYTES = 4096;
/** The frame types that carry row data and may be large. */
const DATA_FRAMES = new Set<number>([FrameType.BATCH, FrameType.RESULT]);
/** Above this, an emptied decoder buffer is released (one large frame must not pin its memory). */
const SHRINK_ABOVE_BYTES = 256 * 1024;
/** A frame longer than this that is not complete in the buffer is filled into a body of its own. */
const PENDING_ABOVE_BYTES = 64 * 1024;

export function encodeFrame(type: FrameTypeCode, body: Buffer): Buffer {
  const out = Buffer.allocUnsafe(5 + body.length);
  out.writeUInt32BE(body.length + 1, 0);
  out[4] = type;
  body.copy(out, 5);
  return out;
}

/** Header only, so a large body can be written without copying it (`socket.write` twice). */
export function frameHeader(type: FrameTypeCode, bodyLength: number): Buffer {
  const out = Buffer.allocUnsafe(5);
  out.writeUInt32BE(bodyLength + 1, 0);
  out[4] = type;
  return out;
}

export function encodeJsonFrame(type: FrameTypeCode, value: unknown): Buffer {
  return encodeFrame(type, Buffer.from(JSON.stringify(value), 'utf8'));
}

export interface FrameLimits {
  /** Largest frame of any type (length field: type byte + body). */
  maxFrameBytes: number;
  /** Largest control frame, and largest frame of any type while `dataFramesAllowed` is false. */
  maxControlBytes: number;
}

/**
 * Incremental decoder: feed socket chunks, get whole frames. Throws ProtocolError on a frame
 * that is oversized, empty or of an unknown type; the caller answers with an ERROR frame and
 * closes the connection. Length and type are checked as soon as the 5-byte header is in, before
 * any of the body is kept, so a peer cannot make the decoder hold more than one allowed frame.
 */
export class FrameDecoder {
  private buf: Buffer = Buffer.alloc(0);
  private start = 0;
  private end = 0;
  /** A large frame whose header is in and whose body is being filled. */
  private pending: { type: FrameTypeCode; body: Buffer; filled: number } | null = null;
  private readonly limits: FrameLimits;
  /**
   * Whether BATCH and RESULT frames may exceed the control cap. The gateway sets it once a
   * session is open: before HELLO, nothing a peer sends may be large.
   */
  dataFramesAllowed = true;

  constructor(limits: number | Partial<FrameLimits> = {}) {
    const l = typeof limits === 'number' ? { maxFrameBytes: limits } : limits;
    const maxFrameBytes = l.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
    this.limits = { maxFrameBytes, maxControlBytes: Math.min(l.maxControlBytes ?? DEFAULT_MAX_CONTROL_BYTES, maxFrameBytes) };
  }

  push(chunk: Buffer): Frame[] {
    const frames: Frame[] = [];
    let from = 0;
    const p = this.pending;
    if (p !== null) {
      // The rest of a large frame goes straight into its body: each byte is copied once.
      const n = Math.min(chunk.length, p.body.length - p.filled);
      chunk.copy(p.body, p.filled, 0, n);
      p.filled += n;
      if (p.filled < p.body.length) return frames;
      frames.push({ type: p.type, body: p.body });
      this.pending = null;
      from = n;
      if (from === chunk.length) return frames;
    }
    this.append(from === 0 ? chunk : chunk.subarray(from));
    while (this.end - this.start >= 4) {
      const len = this.checkHeader();
      if (len < 0) break;
      if (this.end - this.start < 4 + len) {
        // A large frame still arriving: its body gets a buffer of its own, filled by the next
        // chunks, instead of growing and compacting this one (copies, garbage: a measured part
        // of the gateway's CPU per batch, issue 11). Its header is checked: the size is allowed.
        if (len > PENDING_ABOVE_BYTES) {
          const body = Buffer.allocUnsafe(len - 1);
          const have = this.end - (this.start + 5);
          this.buf.copy(body, 0, this.start + 5, this.end);
          this.pending = { type: this.buf[this.start + 4] as FrameTypeCode, body, filled: have };
          this.start = this.end = 0;
        }
        break;
      }
      const type = this.buf[this.start + 4] as FrameTypeCode;
      // Copy the body out: the internal buffer is reused.
      const body = Buffer.from(this.buf.subarray(this.start + 5, this.start + 4 + len));
      frames.push({ type, body });
      this.start += 4 + len;
    }
    if (this.start === this.end) {
      this.start = this.end = 0;
      if (this.buf.length > SHRINK_ABOVE_BYTES) this.buf = Buffer.alloc(0);
    }
    return frames;
  }

  /** Bytes received but not yet part of a whole frame. */
  get buffered(): number {
    return this.end - this.start + (this.pending === null ? 0 : 5 + this.pending.filled);
  }

  /** Bytes the decoder holds allocated (for tests of its memory bound). */
  get bufferCapacity(): number {
    return this.buf.length + (this.pending === null ? 0 : this.pending.body.length);
  }

  /**
   * Validates the header at `start` (length, type, the type's cap) as far as it is in and
   * returns the length, or -1 while the type byte is still missing.
   */
  private checkHeader(): number {
    const len = this.buf.readUInt32BE(this.start);
    if (len === 0) throw new ProtocolError(ErrorCode.FRAME_MALFORMED, 'frame with length 0 (a frame holds at least its type byte)');
    if (len > this.limits.maxFrameBytes)
      throw new ProtocolError(ErrorCode.FRAME_TOO_LARGE, `frame of ${len} bytes exceeds the limit of ${this.limits.maxFrameBytes} bytes`);
    if (this.end - this.start < 5) return -1;
    const type = this.buf[this.start + 4];
    if (!KNOWN.has(type))
      throw new ProtocolError(ErrorCode.FRAME_UNKNOWN_TYPE, `unknown frame type 0x${type.toString(16).padStart(2, '0')}`);
    const large = this.dataFramesAllowed && DATA_FRAMES.has(type);
    const cap = large ? this.limits.maxFrameBytes : this.limits.maxControlBytes;
    if (len > cap)
      throw new ProtocolError(
        ErrorCode.FRAME_TOO_LARGE,
        `${FRAME_NAMES[type]} frame of ${len} bytes exceeds the limit of ${cap} bytes${large ? '' : ' for a control frame'}`,
      );
    return len;
  }

  private append(chunk: Buffer): void {
    if (this.end + chunk.length > this.buf.length) {
      const live = this.end - this.start;
      // Room for what is live plus this chunk; doubling amortises growth, but never beyond what
      // one allowed frame and one chunk need.
      const want = Math.max(live + chunk.length, Math.min(this.buf.length * 2, this.limits.maxFrameBytes + 4 + chunk.length), 64 * 1024);
      const next = want > this.buf.length ? Buffer.allocUnsafe(want) : this.buf;
      this.buf.copy(next, 0, this.start, this.end);
      this.buf = next;
      this.start = 0;
      this.end = live;
    }
    chunk.copy(this.buf, this.end);
    this.end += chunk.length;
  }
}

/** Parses a JSON control frame body into an object, or throws ERR_FRAME_MALFORMED. */
export function parseJsonBody(frame: Frame): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(frame.body.toString('utf8'));
  } catch {
    throw new ProtocolError(ErrorCode.FRAME_MALFORMED, `${FRAME_NAMES[frame.type]} frame body is not valid JSON`);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw new ProtocolError(ErrorCode.FRAME_MALFORMED, `${FRAME_NAMES[frame.type]} frame body must be a JSON object`);
  return v as Record<string, unknown>;
}
