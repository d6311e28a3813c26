import http from 'node:http';

/**
 * What bounds a small HTTP server of ours (the gateway's `/ping`, a node's `/metrics`, the
 * dashboard): none of them needs more than a few connections or a few seconds per request, and
 * Node's defaults (no connection cap, 60 s for headers, 300 s for a request, checked every 30 s)
 * let one peer hold thousands of sockets, and file descriptors of the process, for minutes.
 */
export interface HttpLimits {
  /** Sockets open at once; one more is closed at accept, before a byte is read. */
  maxConnections: number;
  /** ms from the first byte of a request to the end of its headers (slowloris). */
  headersTimeoutMs: number;
  /** ms to receive a whole request. */
  requestTimeoutMs: number;
  /** ms an idle keep-alive socket is kept after a response. */
  keepAliveTimeoutMs: number;
  /** Bytes of request line and headers; more: 431. */
  maxHeaderBytes: number;
}

/** Defaults for our small servers; SECURITY.md lists them. */
export const SMALL_HTTP_LIMITS: Readonly<HttpLimits> = {
  maxConnections: 64,
  headersTimeoutMs: 5_000,
  requestTimeoutMs: 10_000,
  keepAliveTimeoutMs: 2_000,
  maxHeaderBytes: 8 * 1024,
};

/**
 * An HTTP server with `limits` applied; a socket silent for `headersTimeoutMs` either way is
 * closed. Errors of one connection (a malformed request, a reset) close that connection only.
 */
export function createLimitedHttpServer(handler: http.RequestListener, limits: Readonly<HttpLimits> = SMALL_HTTP_LIMITS): http.Server {
  const server = http.createServer(
    {
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      keepAliveTimeout: limits.keepAliveTimeoutMs,
      maxHeaderSize: limits.maxHeaderBytes,
      // How often the two timeouts above are checked (Node's default is 30 s).
      connectionsCheckingInterval: Math.max(100, Math.min(1000, Math.floor(limits.headersTimeoutMs / 2))),
    },
    handler,
  );
  server.maxConnections = limits.maxConnections;
  // A socket without traffic for this long is destroyed: one that connects and never sends a
  // byte (not a request yet, so the header timeout does not see it), an idle keep-alive one, and
  // a reader of an event stream that stopped reading (its writes no longer reach the socket).
  server.timeout = limits.headersTimeoutMs;
  server.on('clientError', (_err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    socket.destroy();
  });
  return server;
}
