import type net from 'node:net';

/**
 * Starts a TCP or HTTP server and resolves with the port it really listens on (the one asked
 * for, or the one the OS picked for port 0); rejects if it cannot bind. The startup `error`
 * listener is removed once listening: a later server error must reach the process's handlers,
 * not a promise that has already settled.
 */
export function listen(server: net.Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const addr = server.address();
      resolve(typeof addr === 'object' && addr ? addr.port : port);
    });
  });
}
