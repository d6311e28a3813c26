import type { Socket } from 'node:net';
import type { Logger } from '../node/log.js';
import { FrameType, encodeJsonFrame } from '../protocol/wire/frames.js';
import { ErrorCode } from '../node/errors.js';
import { FramedConnection, type ConnectionLimits } from './framed-connection.js';
import { ClientSession, type ClientSessionOptions } from './client-session.js';
import type { ControllerLink } from './controller-link.js';

export type ClientManagerOptions = ClientSessionOptions & ConnectionLimits & { maxConnections: number };

/** All client sessions of this gateway: creates them per connection, drains them on shutdown. */
export class ClientManager {
  private readonly live = new Set<ClientSession>();
  private readonly bySession = new Map<string, ClientSession>();
  /** Connections open now, counted from accept to close (sessions or not). */
  private connections = 0;

  constructor(
    private readonly controller: ControllerLink,
    private readonly options: ClientManagerOptions,
    private readonly log: Logger,
  ) {}

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
    conn.onClose(() => {
      this.live.delete(session);
      if (this.bySession.get(session.session) === session) this.bySession.delete(session.session);
    });
  }

  async drainAll(): Promise<void> {
    await Promise.all([...this.live].map((s) => s.drain()));
  }
}
