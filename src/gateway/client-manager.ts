import type { Socket } from 'node:net';
import type { Logger } from '../node/log.js';
import { FramedConnection } from './framed-connection.js';
import { ClientSession, type ClientSessionOptions } from './client-session.js';
import type { ControllerLink } from './controller-link.js';

/** All client sessions of this gateway: creates them per connection, drains them on shutdown. */
export class ClientManager {
  private readonly live = new Set<ClientSession>();
  private readonly bySession = new Map<string, ClientSession>();

  constructor(
    private readonly controller: ControllerLink,
    private readonly options: ClientSessionOptions & { maxFrameBytes: number },
    private readonly log: Logger,
  ) {}

  accept(socket: Socket): void {
    const conn = new FramedConnection(socket, this.options.maxFrameBytes, this.log);
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
