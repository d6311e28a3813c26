import net from 'node:net';
import type { ClientManager } from './client-manager.js';
import { listen } from './listen.js';

/** The TCP server clients connect to; each connection is handed to the client manager. */
export class GatewayServer {
  private readonly server: net.Server;

  constructor(private readonly manager: ClientManager) {
    this.server = net.createServer((socket) => this.manager.accept(socket));
  }

  listen(port: number, host?: string): Promise<number> {
    return listen(this.server, port, host);
  }

  /**
   * Stops accepting new connections. Returns at once: `server.close()` only calls back once
   * every connection has ended, and ending them is the manager's drain, which comes next.
   */
  stopAccepting(): void {
    this.server.close();
  }
}
