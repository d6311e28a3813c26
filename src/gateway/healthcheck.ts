import http from 'node:http';
import { listen } from './listen.js';

/** Health check for orchestration: `GET /ping` answers 200 `pong` while the gateway serves. */
export class HealthcheckServer {
  private readonly server = http.createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/ping') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('pong');
    } else {
      res.writeHead(404).end();
    }
  });

  listen(port: number, host?: string): Promise<number> {
    return listen(this.server, port, host);
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
