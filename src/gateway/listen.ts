import type net from 'node:net';

/**
 * Starts a TCP or HTTP server and resolves with the port it really listens on (the one asked
 * for, or the one the OS picked for port 0); rejects if it cannot bind.
 */
export function listen(server: net.Server, port: number, host = '0.0.0.0'): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      const addr = server.address();
      resolve(typeof addr === 'object' && addr ? addr.port : port);
    });
  });
}
