import type { InMessage, OutMessage } from '../node/middleware/broker.js';
import type { BrokerPort } from '../node/middleware/port.js';
import { STAGES, WORKER_STAGES, type Topology } from '../node/middleware/topology.js';
import type { WorkerKind } from '../node/config/cluster.js';
import type { Logger } from '../node/log.js';
import { decodeCounterReport } from '../protocol/internal/counters.js';
import { isSessionId } from '../protocol/wire/session-id.js';
import { cleanupId, completeId, eosId, failedId, openReplyId } from '../protocol/internal/ids.js';
import { decodeFaultBody, decodeOpenRequest, encodeJsonBody, type FailedBody, type OpenReply } from '../protocol/internal/messages.js';
import { hashToken, tokenMatches } from './resume-token.js';
import { SessionProgress } from './progress.js';
import { describeSession, type SessionStatus } from './session-status.js';
import type { SessionStore } from './session-store.js';
import { type SessionRecord } from './session-store.js';
import { ErrorCode, isDiskFull } from '../node/errors.js';

interface Session {
  progress: SessionProgress;
  /** Last open/counter activity (monotonic ms): an abandoned session expires. */
  lastActivity: number;
  eosSent: Set<WorkerKind>;
  completeSent: boolean;
  /** Hash of the resume token (undefined for a session logged before tokens existed). */
  tokenHash: string | undefined;
  /** Whether any counter report arrived: a session that never got a batch expires early. */
  used: boolean;
  /**
   * Set once the session failed (a node's fault, expiry): its state is deleted everywhere, its
   * client is told through the results queue, and a resume gets the same answer. The record
   * stays until the session expires once more, then it is finished like a delivered one.
   */
  failed: FailedBody | undefined;
}

/**
 * The controller's sessions: admission (max.clients), counting, EOS per stage, completion,
 * clean-up. Every decision is derived from the persisted records, so a restarted controller
 * re-derives the same decisions and re-sends what it may not have sent (receivers are
 * idempotent).
 */
export class Coordinator {
  private readonly sessions = new Map<string, Session>();

  constructor(
    private readonly broker: BrokerPort,
    private readonly topology: Topology,
    private readonly store: SessionStore,
    private readonly maxClients: number,
    private readonly log: Logger,
  ) {}

  /** Rebuilds every unfinished session from disk (replacing memory) and re-drives it. */
  async recover(): Promise<number> {
    this.sessions.clear();
    const loaded = this.store.load();
    for (const [id, records] of loaded) {
      const s = this.newSession();
      for (const rec of records) this.replay(s, rec);
      this.sessions.set(id, s);
      // A marker is written only after its message was confirmed, so what is unmarked is re-sent.
      await this.broker.declareQueues([this.topology.resultsQueue(id)]);
      await this.drive(id, s);
    }
    return loaded.size;
  }

  /** Every running session's progress, for the dashboard and `status`. */
  describe(): SessionStatus[] {
    return [...this.sessions].map(([id, s]) => describeSession(id, s.progress, s.completeSent, s.failed?.code));
  }

  /** Sessions that hold a slot: a failed one only waits to tell its client why. */
  get active(): number {
    let n = 0;
    for (const s of this.sessions.values()) if (!s.failed) n++;
    return n;
  }

  async handle(msg: InMessage): Promise<void> {
    switch (msg.type) {
      case 'open':
        return this.open(msg);
      case 'counter':
        return this.counter(msg);
      case 'delivered':
        return this.delivered(msg.session);
      case 'alive':
        return this.alive(msg.session);
      case 'fault':
        return this.fault(msg);
      default:
        this.log.warn({ type: msg.type }, 'ignoring unknown control message');
    }
  }

  /**
   * Cleans up sessions idle for longer than `idleMs` (their client is gone for good), and
   * sessions that never got a batch after `unusedMs` (HELLO and vanish must not hold a slot).
   */
  async expireIdle(idleMs: number, unusedMs = idleMs): Promise<void> {
    const now = performance.now();
    for (const [id, s] of this.sessions) {
      const limit = s.used ? idleMs : Math.min(idleMs, unusedMs);
      if (now - s.lastActivity < limit) continue;
      if (s.failed) {
        // Its client was told, or had `limit` ms to resume and be told: forget it.
        await this.delivered(id);
        continue;
      }
      this.log.warn({ session: id, idleMs: limit, used: s.used }, 'session abandoned: cleaning it up');
      // Failed rather than dropped: a client still connected (its gateway's notices stopped, e.g.
      // behind a broker outage) or resuming later is told why, instead of waiting forever.
      await this.fail(id, s, {
        code: ErrorCode.SESSION_EXPIRED,
        message: `session ${id} expired: no activity for ${Math.round(limit / 1000)} s (the controller's session idle timeout); start a new run`,
      });
    }
  }

  /** A node cannot go on with a session (full disk, quota, poison message): fail it. */
  private async fault(msg: InMessage): Promise<void> {
    const s = this.sessions.get(msg.session);
    if (!s) return; // finished already, or never opened
    const body = decodeFaultBody(msg.body);
    if (!body) {
      this.log.warn({ id: msg.id, session: msg.session }, 'ignoring malformed fault report');
      return;
    }
    if (s.completeSent) {
      // Every report is in the results queue already: the client gets them, the fault changes nothing.
      this.log.warn({ session: msg.session, node: body.node, code: body.code }, 'fault reported after completion: ignored');
      return;
    }
    await this.fail(msg.session, s, { code: body.code, message: `${body.node}: ${body.message}` });
  }

  /**
   * Fails a session once: the failure is logged to disk first (a restart re-sends what follows),
   * then every partition deletes the session's state and its client is told.
   */
  private async fail(session: string, s: Session, failure: FailedBody): Promise<void> {
    if (s.failed) return;
    s.failed = failure;
    s.lastActivity = performance.now();
    try {
      await this.store.append(session, { k: 'failed', code: failure.code, message: failure.message });
    } catch (err) {
      // A full disk must not keep the client from being told: the failure is then in memory only
      // (a restarted controller finds the session unfinished and fails it again at expiry).
      if (!isDiskFull(err)) throw err;
      this.log.error({ code: ErrorCode.STORAGE_FULL, session, err: String(err) }, 'state folder full: failure not logged');
    }
    this.log.warn({ session, code: failure.code, reason: failure.message }, 'session failed');
    await this.driveFailed(session);
  }

  /** Idempotent: cleanups and `failed` carry fixed ids, receivers drop what they already have. */
  private async driveFailed(session: string): Promise<void> {
    const s = this.sessions.get(session);
    if (!s?.failed) return;
    await this.broker.publishAll(this.cleanups(session));
    await this.broker.publish({
      queue: this.topology.resultsQueue(session),
      type: 'failed',
      id: failedId(session),
      session,
      body: encodeJsonBody(s.failed),
    });
  }

  /**
   * A gateway says the session's client is connected: that is activity. Only for a session that
   * got batches: a connection that opened a session and sends nothing must not hold a slot.
   */
  private alive(session: string): Promise<void> {
    const s = this.sessions.get(session);
    if (s?.used && !s.failed) s.lastActivity = performance.now();
    return Promise.resolve();
  }

  private async open(msg: InMessage): Promise<void> {
    const session = msg.session;
    const existing = this.sessions.get(session);
    const request = decodeOpenRequest(msg.body);
    let reply: OpenReply;
    if (!isSessionId(session)) reply = { ok: false, code: ErrorCode.SESSION_ID, message: 'invalid session id' };
    else if (!request) reply = { ok: false, code: ErrorCode.REFUSED, message: 'malformed open request' };
    else if (this.store.finished.has(session))
      reply = { ok: false, code: ErrorCode.SESSION_FINISHED, message: `session ${session} already finished` };
    else if (existing) {
      // A resume (or a redelivered open) must hold the token; only then does it count as activity,
      // so knowing a session id is not enough to keep it alive, read its reports or end it.
      if (existing.tokenHash !== undefined && !tokenMatches(request.token, existing.tokenHash))
        reply = { ok: false, code: ErrorCode.SESSION_TOKEN, message: `wrong resume token for session ${session}` };
      else if (existing.failed) reply = { ok: false, code: existing.failed.code, message: existing.failed.message };
      else {
        existing.lastActivity = performance.now();
        reply = { ok: true };
        // A gateway that died after its client's DONE may have acked COMPLETE without telling this
        // controller: the resumed client gets it again, says DONE again, and the session ends now.
        const results = existing.completeSent ? existing.progress.resultsReady() : null;
        if (results !== null) await this.publishComplete(session, results);
      }
    } else if (request.resume)
      // Resuming a session nobody opened would let a client pick its own id and take a slot.
      reply = {
        ok: false,
        code: ErrorCode.SESSION_UNKNOWN,
        message: `session ${session} is unknown (expired or never opened): start a new run`,
      };
    else if (this.active >= this.maxClients)
      reply = {
        ok: false,
        code: ErrorCode.BUSY,
        message: `the system is busy (${this.maxClients} sessions running on this controller): retry later`,
      };
    else {
      await this.broker.declareQueues([this.topology.resultsQueue(session)]);
      const tokenHash = hashToken(request.token);
      this.sessions.set(session, { ...this.newSession(), tokenHash });
      try {
        await this.store.append(session, { k: 'open', t: tokenHash });
        this.log.info({ session, active: this.sessions.size }, 'session opened');
        reply = { ok: true };
      } catch (err) {
        // Requeued, the open would come back and find the session in memory only: refused instead.
        if (!isDiskFull(err)) throw err;
        this.sessions.delete(session);
        this.log.error({ code: ErrorCode.STORAGE_FULL, session, err: String(err) }, 'state folder full: session refused');
        reply = { ok: false, code: ErrorCode.STORAGE_FULL, message: this.storageFullMessage() };
      }
    }
    if (msg.replyTo) {
      await this.broker.publish({
        queue: msg.replyTo,
        type: 'open-reply',
        id: openReplyId(session),
        session,
        correlationId: msg.correlationId,
        body: encodeJsonBody(reply),
      });
    }
  }

  private async counter(msg: InMessage): Promise<void> {
    const s = this.sessions.get(msg.session);
    if (!s || s.failed) return; // a late report of a finished, failed (or never opened) session
    s.lastActivity = performance.now();
    s.used = true;
    const report = decodeCounterReport(msg.body);
    if (!report) {
      this.log.warn({ id: msg.id }, 'ignoring malformed counter report');
      return;
    }
    s.progress.apply(report);
    try {
      await this.store.append(msg.session, { k: 'counter', r: report });
    } catch (err) {
      // Requeued, every report of the session would fail again (with back-off, never ending):
      // the session cannot be counted, so it fails now and its client is told why.
      if (!isDiskFull(err)) throw err;
      return this.fail(msg.session, s, { code: ErrorCode.STORAGE_FULL, message: this.storageFullMessage() });
    }
    await this.drive(msg.session, s);
  }

  /** Sends whatever the counters now allow: EOS to stages whose inputs are complete, then completion. */
  private async drive(session: string, s: Session): Promise<void> {
    if (s.failed) return this.driveFailed(session);
    for (const stage of s.progress.readyForEos()) {
      if (s.eosSent.has(stage)) continue;
      s.eosSent.add(stage);
      const queues = this.topology.stageQueues(stage);
      await this.broker.publishAll(queues.map((queue, p) => ({ queue, type: 'eos', id: eosId(stage, p), session, body: Buffer.alloc(0) })));
      await this.store.append(session, { k: 'eos', stage });
      this.log.info({ session, stage }, 'end of stream');
    }
    const results = s.progress.resultsReady();
    if (results !== null && !s.completeSent) {
      s.completeSent = true;
      await this.publishComplete(session, results);
      await this.store.append(session, { k: 'complete' });
      this.log.info({ session, results }, 'session complete');
    }
  }

  private publishComplete(session: string, results: number): Promise<void> {
    return this.broker.publish({
      queue: this.topology.resultsQueue(session),
      type: 'complete',
      id: completeId(session),
      session,
      body: encodeJsonBody({ results }),
    });
  }

  /** The client has its reports: delete everything the session left anywhere. */
  private async delivered(session: string): Promise<void> {
    if (!this.sessions.has(session)) return;
    await this.broker.publishAll(this.cleanups(session));
    await this.broker.deleteQueue(this.topology.resultsQueue(session)).catch(() => undefined);
    await this.store.finish(session);
    this.sessions.delete(session);
    this.log.info({ session, active: this.sessions.size }, 'session cleaned up');
  }

  private storageFullMessage(): string {
    return `the disk holding the controller's state (${this.store.dir}) is full; the session was failed. Free space there (or give the controller a bigger volume), then run the session again`;
  }

  /** A `cleanup` to every partition of every stateful stage: each deletes the session's state. */
  private cleanups(session: string): OutMessage[] {
    return WORKER_STAGES.filter((st) => STAGES[st].partitioned).flatMap((stage) =>
      this.topology
        .stageQueues(stage)
        .map((queue, p): OutMessage => ({ queue, type: 'cleanup', id: cleanupId(stage, p), session, body: Buffer.alloc(0) })),
    );
  }

  private newSession(): Session {
    return {
      progress: new SessionProgress((st) => this.topology.partitions(st)),
      lastActivity: performance.now(),
      eosSent: new Set(),
      completeSent: false,
      tokenHash: undefined,
      used: false,
      failed: undefined,
    };
  }

  private replay(s: Session, rec: SessionRecord): void {
    if (rec.k === 'open') s.tokenHash = rec.t;
    else if (rec.k === 'counter') {
      s.progress.apply(rec.r);
      s.used = true;
    } else if (rec.k === 'eos') s.eosSent.add(rec.stage);
    else if (rec.k === 'complete') s.completeSent = true;
    else if (rec.k === 'failed') s.failed = { code: rec.code, message: rec.message };
  }
}
