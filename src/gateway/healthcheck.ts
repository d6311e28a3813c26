import http from 'node:http';
import { listen } from './listen.js';

/**
 * Health check for orchestration: `GET /ping` (or HEAD) answers 200 `pong` while the gateway can
 * serve, and 503 while its broker connection is down (it could take no batch).
 */
export class HealthcheckServer {
  private readonly server = http.createServer((req, res) => {
    if ((req.method === 'GET' || req.method === 'HEAD') && req.url === '/ping') {
      const up = this.healthy();
      res.writeHead(up ? 200 : 503, { 'content-type': 'text/plain' }).end(up ? 'pong' : 'broker connection down');
    } else {
      res.writeHead(404).end();
    }
  });

  constructor(private readonly healthy: () => boolean = () => true) {}

  listen(port: number, host: string): Promise<number> {
    return listen(this.server, port, host);
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
