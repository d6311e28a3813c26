import net from 'node:net';
import tls from 'node:tls';
import { readFileSync } from 'node:fs';
import { FrameDecoder, DEFAULT_MAX_FRAME_BYTES, type Frame } from '../protocol/wire/frames.js';
import { UsageError } from '../node/errors.js';

/** TLS to the gateway: the CA file to trust (default: the system's CAs). */
export interface LinkTls {
  ca?: string;
}

/** Reads the CA file once per run (a missing file is a usage error, not a connection failure). */
export function loadCa(file: string | undefined): Buffer | undefined {
  if (file === undefined) return undefined;
  try {
    return readFileSync(file);
  } catch (err) {
    throw new UsageError(`cannot read the CA file ${file} (--ca): ${(err as Error).message}`);
  }
}

/**
 * With an explicit CA file (--ca) the certificate is pinned to that CA, so the host name is not
 * checked as well: a test's or a local cluster's self-signed certificate names no address.
 */
const PINNED: tls.ConnectionOptions = { checkServerIdentity: () => undefined };

/** A framed TCP (or TLS) connection to one gateway. */
export class Link {
  // ERROR and COMPLETE bodies are small, but a gateway's message may quote a value: 64 KiB.
  private readonly decoder = new FrameDecoder({ maxFrameBytes: DEFAULT_MAX_FRAME_BYTES, maxControlBytes: 64 * 1024 });
  private closedFlag = false;

  private constructor(
    private readonly socket: net.Socket,
    readonly address: string,
  ) {}

  static connect(address: string, timeoutMs = 3000, secure?: { ca?: Buffer }): Promise<Link> {
    const [host, portStr] = splitHostPort(address);
    return new Promise((resolve, reject) => {
      const port = Number(portStr);
      const socket = secure
        ? tls.connect({ host, port, ca: secure.ca, servername: net.isIP(host) ? undefined : host, ...(secure.ca ? PINNED : {}) })
        : net.connect({ host, port });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`timeout connecting to ${address}`));
      }, timeoutMs);
      socket.once(secure ? 'secureConnect' : 'connect', () => {
        clearTimeout(timer);
        socket.setNoDelay(true);
        resolve(new Link(socket, address));
      });
      socket.once('error', (err: Error) => {
        clearTimeout(timer);
        reject(err);
      });
    });
  }

  /** Frames in order; `onClose` once, with the reason (undefined for a clean end). */
  listen(onFrame: (f: Frame) => void, onClose: (reason?: Error) => void): void {
    let reason: Error | undefined;
    this.socket.on('data', (chunk: Buffer) => {
      try {
        for (const f of this.decoder.push(chunk)) onFrame(f);
      } catch (err) {
        reason = err as Error;
        this.socket.destroy();
      }
    });
    this.socket.on('error', (err) => (reason = err));
    this.socket.on('close', () => {
      this.closedFlag = true;
      onClose(reason);
    });
  }

  get closed(): boolean {
    return this.closedFlag;
  }

  send(parts: Buffer | Buffer[]): boolean {
    if (this.closedFlag) return false;
    if (!Array.isArray(parts)) return this.socket.write(parts);
    this.socket.cork();
    let ok = true;
    for (const p of parts) ok = this.socket.write(p);
    this.socket.uncork();
    return ok;
  }

  /** Resolves when the socket's write buffer has drained (or it closed). */
  drained(): Promise<void> {
    if (!this.socket.writableNeedDrain || this.closedFlag) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        this.socket.off('drain', done);
        this.socket.off('close', done);
        resolve();
      };
      this.socket.on('drain', done);
      this.socket.on('close', done);
    });
  }

  close(): void {
    this.socket.destroy();
  }
}

export function splitHostPort(address: string): [string, string] {
  const i = address.lastIndexOf(':');
  if (i <= 0) return ['127.0.0.1', address];
  return [address.slice(0, i), address.slice(i + 1)];
}

/** The gateways in random order: the load spreads, and the rest are fallbacks. */
export function shuffled<T>(items: readonly T[], random: () => number = Math.random): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}
