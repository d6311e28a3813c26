import type { Socket } from 'node:net';
import type { Logger } from '../node/log.js';
import { FrameType, encodeJsonFrame } from '../protocol/wire/frames.js';
import { ErrorCode, ProtocolError } from '../node/errors.js';
import { AbortLimiter } from './abort-limiter.js';
import { FramedConnection, type ConnectionLimits } from './framed-connection.js';
import { ClientSession, type ClientSessionOptions } from './client-session.js';
import type { ControllerLink } from './controller-link.js';

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
  };

/** All client sessions of this gateway: creates them per connection, drains them on shutdown. */
export class ClientManager {
  private readonly live = new Set<ClientSession>();
  private readonly bySession = new Map<string, ClientSession>();
  /** Connections open now, counted from accept to close (sessions or not). */
  private connections = 0;
  private readonly aliveTimer: NodeJS.Timeout;
  private readonly keepaliveTimer: NodeJS.Timeout;
  private readonly aborts: AbortLimiter;

  constructor(
    private readonly controller: ControllerLink,
    private readonly options: ClientManagerOptions,
    private readonly log: Logger,
  ) {
    // A connected client is activity: its controller must not expire the session while the
    // system (a broker or stage outage) keeps it waiting longer than the idle timeout.
    this.aliveTimer = setInterval(() => this.notifyAlive(), options.aliveIntervalMs);
    this.aliveTimer.unref();
    // The client is told the gateway lives while nothing else is due (its inactivity timeout).
    this.keepaliveTimer = setInterval(() => {
      for (const s of this.bySession.values()) s.keepalive();
    }, options.clientKeepaliveMs);
    this.keepaliveTimer.unref();
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
          message: `too many sessions from your address ended in protocol errors: retry in ${Math.ceil(blockedMs / 1000)} s`,
        }),
      );
      setTimeout(() => socket.destroy(), this.options.closeGraceMs).unref();
      return;
    }
    this.connections++;
    socket.once('close', () => this.connections--);
    const conn = new FramedConnection(socket, this.options, this.log);
    const session = new ClientSession(conn, this.controller, this.options, this.log, (s) => {
      // A client that resumes here replaces its older connection, if any.
      const prev = this.bySession.get(s.session);
      if (prev && prev !== s) void prev.drain();
      this.bySession.set(s.session, s);
    });
    this.live.add(session);
    // A session opened and then lost to a protocol error counts against its source address.
    conn.onFail((err) => {
      if (err instanceof ProtocolError && session.session !== '') this.aborts.record(source);
    });
    conn.onClose(() => {
      this.live.delete(session);
      if (this.bySession.get(session.session) === session) this.bySession.delete(session.session);
    });
  }

  async drainAll(): Promise<void> {
    clearInterval(this.aliveTimer);
    clearInterval(this.keepaliveTimer);
    await Promise.all([...this.live].map((s) => s.drain()));
  }
}
