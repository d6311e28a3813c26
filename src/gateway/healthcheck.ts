import type http from 'node:http';
import { listen } from './listen.js';
import { SMALL_HTTP_LIMITS, createLimitedHttpServer, type HttpLimits } from '../node/http-limits.js';

/**
 * Health check for orchestration: `GET /ping` (or HEAD) answers 200 `pong` while the gateway can
 * serve, and 503 while its broker connection is down (it could take no batch). Bounded like our
 * other small HTTP servers (http-limits.ts): a flood of connections to it must not use up the
 * gateway's file descriptors, which its client port and broker connection need.
 */
export class HealthcheckServer {
  private readonly server: http.Server;

  constructor(
    private readonly healthy: () => boolean = () => true,
    limits: Readonly<HttpLimits> = SMALL_HTTP_LIMITS,
  ) {
    this.server = createLimitedHttpServer((req, res) => {
      if ((req.method === 'GET' || req.method === 'HEAD') && req.url === '/ping') {
        const up = this.healthy();
        res.writeHead(up ? 200 : 503, { 'content-type': 'text/plain' }).end(up ? 'pong' : 'broker connection down');
      } else {
        res.writeHead(404).end();
      }
    }, limits);
  }

  listen(port: number, host: string): Promise<number> {
    return listen(this.server, port, host);
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
