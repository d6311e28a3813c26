/**
 * Every message type that travels between nodes (the AMQP `type` property), by direction.
 * The client↔gateway protocol lives in `protocol/wire`; this is the node↔node one.
 * Ids of these messages are derived and parsed in `ids.ts`; bodies are either a payload
 * codec of `protocol/payloads` (named per type below) or one of the JSON bodies of this file.
 */

import { isErrorCode, type ErrorCode } from '../../node/errors.js';

export type InternalMessageType =
  /** gateway → filters (competing) and → partitioned stages (broadcast reference tables): a client batch, `dataset/batch-codec`. */
  | 'data'
  /** tx-filter → q1-sort: `payloads/q1-rows`. */
  | 'q1-rows'
  /** item-filter → q2-agg: JSON `Q2Partial[]`. */
  | 'q2-partial'
  /** tx-filter → q3-agg: JSON `Q3Partial[]`. */
  | 'q3-partial'
  /** tx-filter → q4-count: `payloads/q4-counts`. */
  | 'q4-counts'
  /** q4-count → q4-top, at end of stream: JSON `Q4Candidate[]`. */
  | 'q4-candidates'
  /** controller → every partition of a stage whose inputs are complete; empty body. */
  | 'eos'
  /** controller → every partition once the client has its reports; empty body. */
  | 'cleanup'
  /** final stages → the session's results queue: a report chunk (headers q, p, k). */
  | 'result'
  /** controller → the session's results queue: JSON `CompleteBody`. */
  | 'complete'
  /** gateway → controller, request/reply: admit a session; JSON `OpenRequest`. */
  | 'open'
  /** controller → gateway reply queue: JSON `OpenReply`. */
  | 'open-reply'
  /** every stage → controller: JSON `CounterReport` (`counters.ts`). */
  | 'counter'
  /** gateway → controller: the client has its reports; empty body. */
  | 'delivered'
  /**
   * gateway → controller, every `alive_interval`: the session's client is still connected (a
   * live connection counts as activity, so an outage of the broker or a stage longer than the
   * idle timeout does not wipe sessions whose clients wait); empty body.
   */
  | 'alive'
  /**
   * any node → the session's controller: something the session needs failed for good (a full
   * disk, a quota, a poison message); the controller fails the session. JSON `FaultBody`.
   */
  | 'fault'
  /** controller → the session's results queue, instead of `complete`: the session failed. JSON `FailedBody`. */
  | 'failed';

/**
 * Body of `open`. `token` is the session's resume token: a new session's is stored (as a hash)
 * by the controller, a resume must present the same one. A secret: never logged.
 */
export interface OpenRequest {
  resume: boolean;
  token: string;
}

/** The controller's answer to `open`. */
export interface OpenReply {
  ok: boolean;
  code?: ErrorCode;
  message?: string;
}

/** Body of `complete`: how many `result` messages the session's reports consist of. */
export interface CompleteBody {
  results: number;
}

/** Body of `fault`: why a node cannot go on with a session, in words its client can act on. */
export interface FaultBody {
  code: ErrorCode;
  message: string;
  /** The reporting node's id (e.g. `q4-count-0`). */
  node: string;
}

/** Body of `failed`: what the session's client is told (an ERROR frame with these). */
export interface FailedBody {
  code: ErrorCode;
  message: string;
}

export function encodeJsonBody(body: OpenReply | CompleteBody | OpenRequest | FaultBody | FailedBody): Buffer {
  return Buffer.from(JSON.stringify(body), 'utf8');
}

/** Parses an `open` body; undefined when it is not a well-formed OpenRequest. */
export function decodeOpenRequest(body: Buffer): OpenRequest | undefined {
  try {
    const v = JSON.parse(body.toString('utf8')) as unknown;
    if (typeof v !== 'object' || v === null) return undefined;
    const { resume, token } = v as Record<string, unknown>;
    if (typeof resume !== 'boolean' || typeof token !== 'string') return undefined;
    return { resume, token };
  } catch {
    return undefined;
  }
}

/** Parses a `fault` (or, without `node`, a `failed`) body; undefined when malformed. */
function decodeCodeAndMessage(body: Buffer): { code: ErrorCode; message: string; rest: Record<string, unknown> } | undefined {
  try {
    const v = JSON.parse(body.toString('utf8')) as unknown;
    if (typeof v !== 'object' || v === null) return undefined;
    const rest = v as Record<string, unknown>;
    if (!isErrorCode(rest.code) || typeof rest.message !== 'string') return undefined;
    return { code: rest.code, message: rest.message.slice(0, 2000), rest };
  } catch {
    return undefined;
  }
}

export function decodeFaultBody(body: Buffer): FaultBody | undefined {
  const v = decodeCodeAndMessage(body);
  if (!v || typeof v.rest.node !== 'string') return undefined;
  return { code: v.code, message: v.message, node: v.rest.node.slice(0, 200) };
}

export function decodeFailedBody(body: Buffer): FailedBody | undefined {
  const v = decodeCodeAndMessage(body);
  return v && { code: v.code, message: v.message };
}
