import net from 'node:net';
import tls from 'node:tls';
import { readFileSync } from 'node:fs';
import type { ClientManager } from './client-manager.js';
import { listen } from './listen.js';
import { ConfigError } from '../node/errors.js';

/** PEM files for TLS on the client port (gateway config `tls.cert`, `tls.key`). */
export interface TlsFiles {
  cert: string;
  key: string;
}

/** The TCP (or TLS) server clients connect to; each connection is handed to the client manager. */
export class GatewayServer {
  private readonly server: net.Server;

  /**
   * `hardLimit`: sockets open at once, counted by the server from accept to close (those told
   * ERR_BUSY and waiting out close_grace included); one more is closed at accept without a word.
   * The manager's max_connections answers ERR_BUSY below it; this bounds the file descriptors a
   * flood of connections can hold (default 2 × max_connections).
   */
  constructor(
    private readonly manager: ClientManager,
    tlsFiles?: TlsFiles,
    hardLimit?: number,
  ) {
    const onConnection = (socket: net.Socket): void => this.manager.accept(socket);
    if (tlsFiles) {
      let options: tls.TlsOptions;
      try {
        options = { cert: readFileSync(tlsFiles.cert), key: readFileSync(tlsFiles.key) };
      } catch (err) {
        throw new ConfigError(`cannot read the TLS certificate or key (gateway tls.cert / tls.key): ${(err as Error).message}`);
      }
      const server = tls.createServer({ ...options, handshakeTimeout: 10_000 }, onConnection);
      // A failed handshake (a plain-TCP client, a scanner) is that peer's problem, not the server's.
      server.on('tlsClientError', (_err, socket) => socket.destroy());
      this.server = server;
    } else this.server = net.createServer(onConnection);
    if (hardLimit !== undefined) this.server.maxConnections = hardLimit;
  }

  listen(port: number, host: string): Promise<number> {
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
