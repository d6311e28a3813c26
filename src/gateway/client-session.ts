import { FrameType, FRAME_NAMES, encodeJsonFrame, type Frame } from '../protocol/wire/frames.js';
import {
  PROTOCOL_VERSION,
  decodeBatchFrame,
  decodeHello,
  decodeResultAck,
  decodeTableEnd,
  encodeBatchAck,
  encodeResultFrame,
  type SessionAccepted,
} from '../protocol/wire/messages.js';
import { randomBytes, timingSafeEqual, createHash } from 'node:crypto';
import { assertSessionId, newSessionId } from '../protocol/wire/session-id.js';
import { ProtocolError, CoffeeError, ErrorCode, isCoffeeError } from '../node/errors.js';
import { ColumnScratch, decodeBatch } from '../dataset/batch-codec.js';
import { validateBatchValues } from '../dataset/batch-validate.js';
import { tableFromCode, isTableName, type TableName } from '../dataset/tables.js';
import type { InMessage } from '../node/middleware/broker.js';
import type { ConsumerHandle } from '../node/middleware/port.js';
import type { Logger } from '../node/log.js';
import type { FramedConnection } from './framed-connection.js';
import type { ControllerLink } from './controller-link.js';
import { recordSessionRows } from './session-rows.js';
import { decodeFailedBody } from '../protocol/internal/messages.js';
import type { SessionQuotas } from './session-quotas.js';

type Phase = 'hello' | 'opening' | 'open' | 'done';

/** What a session uses of its connection (a FramedConnection; a fake in the unit test). */
export type SessionConnection = Pick<
  FramedConnection,
  | 'remote'
  | 'isClosed'
  | 'onFrames'
  | 'onClose'
  | 'onFail'
  | 'send'
  | 'fail'
  | 'end'
  | 'allowDataFrames'
  | 'setWaitingOnClient'
  | 'pause'
  | 'resume'
>;

/** What a session uses of the middleware side (the ControllerLink; a fake in the unit test). */
export type SessionController = Pick<
  ControllerLink,
  'openSession' | 'forwardBatch' | 'endTable' | 'consumeResults' | 'stopResults' | 'finishSession' | 'reportFault'
>;

export interface ClientSessionOptions {
  controllerTimeoutMs: number;
  resultsPrefetch: number;
  /** ms from connect to an open session (hello_timeout). */
  helloTimeoutMs: number;
  /** Batches being published at once; at the cap reading pauses (max_batches_in_flight). */
  maxBatchesInFlight: number;
  /** RESULT_ACKs for nothing in flight before the connection is closed (max_unknown_result_acks). */
  maxUnknownResultAcks: number;
  /**
   * Frames of one connection waiting on the broker (batches, TABLE_ENDs) at once; at the cap
   * reading pauses until one is done (max_batches_in_flight, which also caps batches alone).
   */
  maxStepsPending?: number;
  /** Client token HELLO must carry; empty: none (auth.token). */
  authToken: string;
  /** This gateway's per-session quotas and counts (quotas.*), shared by its connections. */
  quotas: SessionQuotas;
}

type Waiter = { resolve: () => void; reject: (e: Error) => void };

/**
 * The columns a batch is validated from, shared by every connection of this gateway: a batch is
 * decoded and checked in one synchronous step, and nothing keeps its columns afterwards.
 */
const VALIDATION_COLUMNS = new ColumnScratch();

/** Constant-time comparison of a presented client token with the configured one. */
function tokenEquals(presented: string, expected: string): boolean {
  const a = createHash('sha256').update(presented).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

/**
 * One client connection's protocol: HELLO (new or resumed session) → BATCH / TABLE_END
 * (each acked once the system holds it) → RESULT frames (each acked by the client before the
 * broker message is acked) → COMPLETE → DONE → BYE. Frames are processed strictly in order;
 * batch acks go out in order as the broker confirms.
 */
export class ClientSession {
  private phase: Phase = 'hello';
  session = '';
  private chain: Promise<void> = Promise.resolve();
  private results: ConsumerHandle | undefined;
  /**
   * Results sent and not yet acked, by id. A list per id: the same result may be delivered twice
   * inside the prefetch window (a crash re-sent it), and every delivery must settle.
   */
  private readonly awaitingAck = new Map<string, Waiter[]>();
  /** COMPLETE deliveries waiting for DONE (more than one if it was re-sent). */
  private readonly complete: Waiter[] = [];
  private readonly seen = new Map<TableName, { count: number; max: number }>();
  private batchesInFlight = 0;
  /** Steps queued on `chain` and not yet done: bounded, so a stream of small frames cannot grow it. */
  private stepsPending = 0;
  /** TABLE_END batches per table already forwarded on this connection (each is forwarded once). */
  private readonly ended = new Map<TableName, number>();
  private unknownAcks = 0;
  private readonly helloTimer: NodeJS.Timeout;

  constructor(
    private readonly conn: SessionConnection,
    private readonly controller: SessionController,
    private readonly options: ClientSessionOptions,
    private readonly log: Logger,
    private readonly onEstablished: (s: ClientSession) => void,
    /**
     * Asked at HELLO, before the controller is: may this connection's source open (or resume)
     * one more session on this gateway? (max_sessions_per_source; the manager counts.)
     */
    private readonly admit: (resume: string | undefined) => string | null = () => null,
  ) {
    conn.onFrames((frame) => this.onFrame(frame));
    conn.onClose(() => void this.onClose());
    // Only a protocol violation costs the session; an internal failure (the broker) closes the
    // connection and the client resumes (ERR_INTERNAL and ERR_BROKER are retryable).
    conn.onFail((err) => {
      if (err instanceof ProtocolError) void this.abort();
      else if (isCoffeeError(err) && err.code === ErrorCode.QUOTA) void this.overQuota(err);
    });
    conn.setWaitingOnClient(() => this.phase === 'hello' || this.awaitingAck.size > 0 || this.complete.length > 0);
    this.helloTimer = setTimeout(() => {
      if (this.phase === 'hello' || this.phase === 'opening')
        conn.fail(new CoffeeError(ErrorCode.CONNECTION_TIMEOUT, `no session within ${options.helloTimeoutMs} ms of connecting`));
    }, options.helloTimeoutMs);
    this.helloTimer.unref();
  }

  /**
   * A client that broke the protocol loses its session: the controller cleans it up as if
   * delivered (a disconnect without an error, in contrast, keeps it for a resume).
   */
  private async abort(): Promise<void> {
    if (!this.session || this.phase === 'done') return;
    this.phase = 'done';
    try {
      await this.controller.finishSession(this.session);
      this.log.warn({ session: this.session }, 'session aborted after a protocol error');
    } catch (err) {
      this.log.error({ err: String(err), session: this.session }, 'could not abort session');
    }
  }

  /**
   * The client went over a quota (its ERROR frame is sent): its controller fails the session, so
   * every node deletes its state and a resume is told the same. Not a protocol error: the
   * client's address is not held against it.
   */
  private async overQuota(err: CoffeeError): Promise<void> {
    if (!this.session || this.phase === 'done') return;
    this.phase = 'done';
    this.options.quotas.forget(this.session);
    this.log.warn({ session: this.session, code: err.code, reason: err.message }, 'session over quota: failing it');
    try {
      await this.controller.reportFault(this.session, err.code, err.message);
    } catch (e) {
      this.log.error({ err: String(e), session: this.session }, 'could not report the session over quota; it ends by its idle timeout');
    }
  }

  private onFrame(frame: Frame): void {
    switch (frame.type) {
      case FrameType.HELLO:
        return this.hello(frame);
      case FrameType.BATCH:
        return this.batch(frame);
      case FrameType.TABLE_END:
        return this.tableEnd(frame);
      case FrameType.RESULT_ACK:
        return this.resultAck(frame);
      case FrameType.DONE:
        return this.done();
      default:
        throw new ProtocolError(ErrorCode.FRAME_UNEXPECTED, `a client may not send ${FRAME_NAMES[frame.type]} frames`);
    }
  }

  private requirePhase(phase: Phase, what: string): void {
    if (this.phase !== phase) throw new ProtocolError(ErrorCode.FRAME_UNEXPECTED, `${what} not allowed now (send HELLO first, once)`);
  }

  /**
   * Runs steps of this connection one after another; a failing step closes the connection. At
   * `maxStepsPending` steps queued, reading pauses: a client pipelining control frames (a stream
   * of TABLE_ENDs) must not grow this chain, and the gateway's memory, without end.
   */
  private enqueue(step: () => Promise<void>): void {
    const cap = this.options.maxStepsPending ?? this.options.maxBatchesInFlight;
    if (++this.stepsPending >= cap) this.conn.pause('steps');
    this.chain = this.chain
      .then(step)
      .catch((err: unknown) => this.conn.fail(err))
      .finally(() => {
        if (--this.stepsPending < cap) this.conn.resume('steps');
      });
  }

  private hello(frame: Frame): void {
    this.requirePhase('hello', 'HELLO');
    const body = decodeHello(frame);
    if (body.version !== PROTOCOL_VERSION)
      throw new ProtocolError(
        ErrorCode.FRAME_MALFORMED,
        `unsupported protocol version ${String(body.version)} (this gateway speaks ${PROTOCOL_VERSION})`,
      );
    if (this.options.authToken !== '' && !tokenEquals(body.auth ?? '', this.options.authToken))
      throw new CoffeeError(ErrorCode.AUTH, 'this gateway requires a client token: pass --token (or COFFEE_TOKEN) with the right value');
    const resume = body.resume !== undefined;
    const session = resume ? assertSessionId(body.resume) : newSessionId();
    const refused = this.admit(resume ? session : undefined);
    if (refused !== null) throw new CoffeeError(ErrorCode.BUSY, refused);
    // 128 random bits; the controller keeps a hash, only this client learns the token.
    const token = resume ? (body.token ?? '') : randomBytes(16).toString('hex');
    this.phase = 'opening';
    this.enqueue(async () => {
      const reply = await this.controller.openSession(session, { resume, token }, this.options.controllerTimeoutMs);
      if (!reply.ok) throw new CoffeeError(reply.code ?? ErrorCode.REFUSED, reply.message ?? 'session refused');
      // The client may have gone while the controller answered: its session waits for a resume.
      if (this.conn.isClosed) return;
      clearTimeout(this.helloTimer);
      this.session = session;
      this.phase = 'open';
      this.conn.allowDataFrames();
      this.onEstablished(this);
      const accepted: SessionAccepted = { session, token };
      this.conn.send(encodeJsonFrame(FrameType.SESSION, accepted));
      this.log.info({ session, remote: this.conn.remote, resumed: body.resume !== undefined }, 'session established');
      this.results = this.controller.consumeResults(session, this.options.resultsPrefetch, (msg) => this.forwardResult(msg));
    });
  }

  private batch(frame: Frame): void {
    this.requirePhase('open', 'BATCH');
    const { tableCode, seq, payload } = decodeBatchFrame(frame);
    const table = tableFromCode(tableCode);
    if (!table) throw new ProtocolError(ErrorCode.FRAME_MALFORMED, `BATCH for unknown table code ${tableCode}`);
    if (seq > 0x7fffffff) throw new ProtocolError(ErrorCode.FRAME_MALFORMED, `BATCH sequence number ${seq} out of range`);
    // Validate before anything reaches the broker: a bad batch must not poison a queue.
    let decoded;
    try {
      decoded = decodeBatch(payload, VALIDATION_COLUMNS);
    } catch (err) {
      throw new ProtocolError(ErrorCode.BATCH_MALFORMED, `${table} batch ${seq}: ${(err as Error).message}`);
    }
    if (decoded.table !== table)
      throw new ProtocolError(ErrorCode.BATCH_MALFORMED, `batch ${seq} announced as ${table} holds ${decoded.table} rows`);
    // The client's limits are not trusted: ranges, lengths and UTF-8 are checked again here.
    const invalid = validateBatchValues(decoded);
    if (invalid !== null) throw new ProtocolError(ErrorCode.BATCH_MALFORMED, `${table} batch ${seq}: ${invalid}`);
    // An honest client never sends an empty batch (it skips them; TABLE_END counts only batches
    // sent). Refused rather than coalesced: each would still cost a message per partition, a
    // logged record and counter entries for nothing, and a refusal needs no bookkeeping.
    if (decoded.count === 0)
      throw new ProtocolError(ErrorCode.BATCH_MALFORMED, `${table} batch ${seq} holds no rows: send only batches with rows`);
    this.options.quotas.admit(this.session, table, seq, decoded.count, payload.length);
    recordSessionRows(this.session, table, decoded.count);
    const s = this.seen.get(table) ?? { count: 0, max: -1 };
    s.count++;
    s.max = Math.max(s.max, seq);
    this.seen.set(table, s);
    const forwarded = this.controller.forwardBatch(this.session, table, seq, payload);
    // Bounded publishing per connection: at the cap, stop reading until one is confirmed.
    if (++this.batchesInFlight >= this.options.maxBatchesInFlight) this.conn.pause('batches');
    const settled = (): void => {
      if (--this.batchesInFlight < this.options.maxBatchesInFlight) this.conn.resume('batches');
    };
    forwarded.then(settled, settled);
    // Publishing runs concurrently; acks leave in order, each once its batch is confirmed.
    this.enqueue(async () => {
      try {
        await forwarded;
      } catch (err) {
        throw new CoffeeError(ErrorCode.BROKER, `could not forward ${table} batch ${seq}: ${String(err)}; resume the session`, {
          cause: err,
        });
      }
      this.conn.send(encodeBatchAck(tableCode, seq));
    });
  }

  private tableEnd(frame: Frame): void {
    this.requirePhase('open', 'TABLE_END');
    const { table, batches } = decodeTableEnd(frame);
    if (!isTableName(table)) throw new ProtocolError(ErrorCode.FRAME_MALFORMED, `TABLE_END for unknown table ${JSON.stringify(table)}`);
    const s = this.seen.get(table);
    if (s && s.max >= batches)
      throw new ProtocolError(ErrorCode.FRAME_MALFORMED, `TABLE_END ${table} says ${batches} batches but batch ${s.max} was sent`);
    this.options.quotas.checkTableEnd(table, batches);
    // An honest client ends a table once per connection (again only after a resume, on a new
    // one). A repeat is answered, not forwarded: each forward is a counter report the controller
    // logs, so a stream of them would grow its log and cost an fsync each.
    const before = this.ended.get(table);
    if (before !== undefined) {
      if (before !== batches)
        throw new ProtocolError(ErrorCode.FRAME_MALFORMED, `TABLE_END ${table} said ${before} batches, now ${batches}`);
      this.enqueue(() => {
        this.conn.send(encodeJsonFrame(FrameType.TABLE_END_ACK, { table }));
        return Promise.resolve();
      });
      return;
    }
    this.ended.set(table, batches);
    this.enqueue(async () => {
      await this.controller.endTable(this.session, table, batches);
      this.conn.send(encodeJsonFrame(FrameType.TABLE_END_ACK, { table }));
    });
  }

  /** Sends one result message to the client; the broker message is acked once the client acks. */
  private async forwardResult(msg: InMessage): Promise<void> {
    if (this.conn.isClosed) throw new Error('client gone');
    // After DONE the client has every report: a late copy (a COMPLETE re-sent for a resume, a
    // redelivered result) is acked here, not held, or stopping the consumer would wait on it.
    if (this.phase === 'done') return;
    if (msg.type === 'failed') {
      // The controller failed the session (a node's full disk, a quota, a poison message, expiry):
      // the client is told why, now. Acked once sent; a resume gets the same answer from the controller.
      const body = decodeFailedBody(msg.body) ?? { code: ErrorCode.INTERNAL, message: 'the session failed; run it again' };
      this.phase = 'done';
      this.log.warn({ session: this.session, code: body.code }, 'session failed: telling the client');
      this.conn.fail(new CoffeeError(body.code, body.message));
      return;
    }
    if (msg.type === 'complete') {
      // A re-sent COMPLETE waits for the same DONE: the client is told once.
      const first = this.complete.length === 0;
      const done = new Promise<void>((resolve, reject) => this.complete.push({ resolve, reject }));
      if (first) this.conn.send(encodeJsonFrame(FrameType.COMPLETE, JSON.parse(msg.body.toString('utf8')) as object));
      return done;
    }
    const q = msg.headers.q;
    const meta = { id: msg.id, q: typeof q === 'string' ? q : '', p: Number(msg.headers.p ?? 0), k: Number(msg.headers.k ?? 0) };
    const waiting = this.awaitingAck.get(msg.id);
    const acked = new Promise<void>((resolve, reject) => {
      if (waiting) waiting.push({ resolve, reject });
      else this.awaitingAck.set(msg.id, [{ resolve, reject }]);
    });
    // A duplicate inside the window is settled by the client's one ack of the first copy.
    if (!waiting) this.conn.send(encodeResultFrame(meta, msg.body));
    return acked;
  }

  private resultAck(frame: Frame): void {
    this.requirePhase('open', 'RESULT_ACK');
    const { id } = decodeResultAck(frame);
    const waiters = this.awaitingAck.get(id);
    if (!waiters) {
      // A few are honest (an ack racing a resume); a stream of them is a client wasting our time.
      if (++this.unknownAcks > this.options.maxUnknownResultAcks)
        throw new ProtocolError(
          ErrorCode.FRAME_UNEXPECTED,
          `more than ${this.options.maxUnknownResultAcks} RESULT_ACKs for no result in flight`,
        );
      return;
    }
    this.awaitingAck.delete(id);
    for (const w of waiters) w.resolve();
  }

  private done(): void {
    this.requirePhase('open', 'DONE');
    if (this.complete.length === 0) throw new ProtocolError(ErrorCode.FRAME_UNEXPECTED, 'DONE before COMPLETE');
    this.phase = 'done';
    const complete = this.complete.splice(0);
    this.enqueue(async () => {
      for (const c of complete) c.resolve();
      await this.stopResults();
      await this.controller.finishSession(this.session);
      this.options.quotas.forget(this.session);
      this.conn.end(encodeJsonFrame(FrameType.BYE, {}));
      this.log.info({ session: this.session }, 'session delivered');
    });
  }

  /** Connection gone: un-acked results go back to the queue for the client's next gateway. */
  private async onClose(): Promise<void> {
    clearTimeout(this.helloTimer);
    const err = new Error('client disconnected');
    for (const waiters of this.awaitingAck.values()) for (const w of waiters) w.reject(err);
    this.awaitingAck.clear();
    if (this.phase !== 'done') for (const c of this.complete.splice(0)) c.reject(err);
    await this.stopResults();
  }

  /**
   * Stops the results consumer once, whoever asks first (DONE's step or the connection's close
   * can race). A failed stop is logged, never thrown: DONE's step must still tell the controller
   * the session is delivered, or its state would stay everywhere until the session expires.
   */
  private async stopResults(): Promise<void> {
    const results = this.results;
    this.results = undefined;
    if (!results) return;
    await this.controller
      .stopResults(results)
      .catch((err: unknown) => this.log.warn({ session: this.session, err: String(err) }, 'results consumer did not stop cleanly'));
  }

  /** A KEEPALIVE frame, while the session is open: the client knows this gateway still serves it. */
  keepalive(): void {
    if (this.phase === 'open' && !this.conn.isClosed) this.conn.send(encodeJsonFrame(FrameType.KEEPALIVE, {}));
  }

  /** Graceful shutdown: stop taking frames, let in-flight publishes finish, close. */
  async drain(): Promise<void> {
    await this.chain;
    this.conn.end();
  }
}
