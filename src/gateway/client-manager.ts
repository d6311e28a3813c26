import type { Socket } from 'node:net';
import type { Logger } from '../node/log.js';
import { FrameType, encodeJsonFrame } from '../protocol/wire/frames.js';
import { ErrorCode, ProtocolError, isCoffeeError } from '../node/errors.js';
import { AbortLimiter } from './abort-limiter.js';
import { FramedConnection, type ConnectionLimits } from './framed-connection.js';
import { ClientSession, type ClientSessionOptions } from './client-session.js';
import type { ControllerLink } from './controller-link.js';
import { everyOnGrid, type GridTimer } from '../node/grid-timer.js';

export type ClientManagerOptions = ClientSessionOptions &
  ConnectionLimits & {
    maxConnections: number;
    /** ms between `alive` notices for each connected session (alive_interval). */
    aliveIntervalMs: number;
    /** ms between KEEPALIVE frames to each client with an open session (client_keepalive). */
    clientKeepaliveMs: number;
    /** Sessions of one source address aborted by protocol errors within `abortWindowMs` before it is refused (abort_limit). */
    maxAbortsPerSource: number;
    abortWindowMs: number;
    /** Sessions one source address may have open (or opening) on this gateway at once (max_sessions_per_source). */
    maxSessionsPerSource: number;
  };

/**
 * Refusals of a HELLO that count against its source like an aborted session (abort_limit): a
 * wrong client token, a wrong resume token, a resume of an unknown session. Each cost the
 * session's controller a round trip and the gateway a log line; an honest client gets at most
 * one of them and stops, a guesser gets `abort_limit.max` per window.
 */
const STRIKES: ReadonlySet<string> = new Set([ErrorCode.AUTH, ErrorCode.SESSION_TOKEN, ErrorCode.SESSION_UNKNOWN]);

/** All client sessions of this gateway: creates them per connection, drains them on shutdown. */
export class ClientManager {
  private readonly live = new Set<ClientSession>();
  private readonly bySession = new Map<string, ClientSession>();
  /** Connections open now, counted from accept to close (sessions or not). */
  private connections = 0;
  private readonly aliveTimer: GridTimer;
  private readonly keepaliveTimer: GridTimer;
  private readonly aborts: AbortLimiter;
  /** Connections with a session open or opening, per source address, each with its session id ('' until known). */
  private readonly sessionsBySource = new Map<string, Set<{ id: string }>>();

  constructor(
    private readonly controller: ControllerLink,
    private readonly options: ClientManagerOptions,
    private readonly log: Logger,
  ) {
    // A connected client is activity: its controller must not expire the session while the
    // system (a broker or stage outage) keeps it waiting longer than the idle timeout.
    this.aliveTimer = everyOnGrid(() => this.notifyAlive(), options.aliveIntervalMs);
    // The client is told the gateway lives while nothing else is due (its inactivity timeout).
    this.keepaliveTimer = everyOnGrid(() => {
      for (const s of this.bySession.values()) s.keepalive();
    }, options.clientKeepaliveMs);
    this.aborts = new AbortLimiter(options.maxAbortsPerSource, options.abortWindowMs);
  }

  private notifyAlive(): void {
    for (const session of this.bySession.keys())
      this.controller.sessionAlive(session).catch((err: unknown) => this.log.debug({ err: String(err), session }, 'alive notice not sent'));
  }

  get connectionCount(): number {
    return this.connections;
  }

  accept(socket: Socket): void {
    if (this.connections >= this.options.maxConnections) {
      // Told, not just dropped: ERR_BUSY is retryable, so an honest client tries another gateway.
      socket.on('error', () => undefined);
      socket.end(encodeJsonFrame(FrameType.ERROR, { code: ErrorCode.BUSY, message: 'this gateway has too many connections: retry later' }));
      setTimeout(() => socket.destroy(), this.options.closeGraceMs).unref();
      return;
    }
    const source = socket.remoteAddress ?? '';
    const blockedMs = this.aborts.blockedFor(source);
    if (blockedMs > 0) {
      socket.on('error', () => undefined);
      socket.end(
        encodeJsonFrame(FrameType.ERROR, {
          code: ErrorCode.BUSY,
          message: `too many sessions from your address ended in protocol errors or were refused (a wrong token, an unknown session): retry in ${Math.ceil(blockedMs / 1000)} s`,
        }),
      );
      setTimeout(() => socket.destroy(), this.options.closeGraceMs).unref();
      return;
    }
    this.connections++;
    socket.once('close', () => this.connections--);
    const conn = new FramedConnection(socket, this.options, this.log);
    /** This connection's per-source place, taken at HELLO. */
    let place: { id: string } | undefined;
    const session = new ClientSession(
      conn,
      this.controller,
      this.options,
      this.log,
      (s) => {
        if (place) place.id = s.session;
        // A client that resumes here replaces its older connection, if any.
        const prev = this.bySession.get(s.session);
        if (prev && prev !== s) void prev.drain();
        this.bySession.set(s.session, s);
      },
      (resume) => {
        const claimed = this.claim(source, resume);
        if (typeof claimed === 'string') return claimed;
        place = claimed;
        return null;
      },
    );
    this.live.add(session);
    // A session opened and then lost to a protocol error, or a HELLO refused for a wrong token or
    // an unknown session, counts against its source address.
    conn.onFail((err) => {
      if ((err instanceof ProtocolError && session.session !== '') || (isCoffeeError(err) && STRIKES.has(err.code)))
        this.aborts.record(source);
    });
    conn.onClose(() => {
      this.live.delete(session);
      if (this.bySession.get(session.session) === session) this.bySession.delete(session.session);
      if (place) this.release(source, place);
    });
  }

  /**
   * One more session for `source` on this gateway (issue 9, beyond the list): without a cap, one
   * address holding every controller slot with valid, barely used sessions (a batch, then
   * connected and silent: a connected client counts as activity) locks every other client out.
   * The place is taken at HELLO, before the controller answers, and freed when the connection
   * closes. A resume of a session this source holds here already replaces that connection and
   * needs no new place. Returns the place, or why not.
   */
  private claim(source: string, resume: string | undefined): { id: string } | string {
    const mine = this.sessionsBySource.get(source) ?? new Set<{ id: string }>();
    const replaces = resume !== undefined && [...mine].some((p) => p.id === resume);
    if (!replaces && mine.size >= this.options.maxSessionsPerSource)
      return `your address has ${mine.size} sessions open on this gateway (max_sessions_per_source): retry later, or on another gateway`;
    const place = { id: resume ?? '' };
    mine.add(place);
    this.sessionsBySource.set(source, mine);
    return place;
  }

  private release(source: string, place: { id: string }): void {
    const mine = this.sessionsBySource.get(source);
    if (!mine) return;
    mine.delete(place);
    if (mine.size === 0) this.sessionsBySource.delete(source);
  }

  /** Sessions open or opening from `source` on this gateway (tests). */
  sessionsFrom(source: string): number {
    return this.sessionsBySource.get(source)?.size ?? 0;
  }

  async drainAll(): Promise<void> {
    this.aliveTimer.stop();
    this.keepaliveTimer.stop();
    await Promise.all([...this.live].map((s) => s.drain()));
  }
}
