import type { Socket } from 'node:net';
import { FrameDecoder, FrameType, encodeJsonFrame, type Frame } from '../protocol/wire/frames.js';
import type { ErrorBody } from '../protocol/wire/messages.js';
import { isCoffeeError, ErrorCode, CoffeeError } from '../node/errors.js';
import type { Logger } from '../node/log.js';

/** What bounds one connection (gateway config keys in parentheses). */
export interface ConnectionLimits {
  /** Largest frame (max_frame_bytes). */
  maxFrameBytes: number;
  /** Largest control frame, and any frame before `allowDataFrames()` (max_control_frame_bytes). */
  maxControlBytes: number;
  /** ms the connection may keep the gateway waiting on the client without a byte (idle_timeout). */
  idleTimeoutMs: number;
  /** ms of silence before TCP keepalive probes (keepalive). */
  keepAliveMs: number;
  /** ms after end() before the socket is destroyed (close_grace). */
  closeGraceMs: number;
}

/**
 * Why reading is paused: too many batches in flight, too many frames waiting on the broker, or
 * the client does not read what we write.
 */
export type PauseReason = 'batches' | 'steps' | 'writes';

/**
 * One client's TCP (or TLS) connection with framing: whole frames in, frames out, errors as
 * ERROR frames. It bounds what a peer can make the gateway hold: frame caps checked on the
 * header, reading paused while the session is at its in-flight cap or the peer does not read,
 * an idle timeout while the gateway waits on the peer, and a destroy after a graceful end.
 */
export class FramedConnection {
  private readonly decoder: FrameDecoder;
  private closed = false;
  private readonly closeHandlers: Array<() => void> = [];
  private readonly failHandlers: Array<(err: unknown) => void> = [];
  /** Frames decoded but not yet delivered (delivery stops while paused). */
  private readonly queued: Frame[] = [];
  private readonly paused = new Set<PauseReason>();
  private handler: ((frame: Frame) => void) | undefined;
  private waitingOnClient: () => boolean = () => false;
  readonly remote: string;

  constructor(
    private readonly socket: Socket,
    private readonly limits: ConnectionLimits,
    private readonly log: Logger,
  ) {
    this.decoder = new FrameDecoder({ maxFrameBytes: limits.maxFrameBytes, maxControlBytes: limits.maxControlBytes });
    // Nothing large may arrive before the session is open (HELLO is a control frame).
    this.decoder.dataFramesAllowed = false;
    this.remote = `${socket.remoteAddress}:${socket.remotePort}`;
    socket.setNoDelay(true);
    // Half-open connections (a client that vanished without FIN) are found by the kernel.
    socket.setKeepAlive(true, limits.keepAliveMs);
    socket.setTimeout(limits.idleTimeoutMs);
    socket.on('timeout', () => this.onIdle());
    socket.on('close', () => this.markClosed());
    socket.on('drain', () => this.resume('writes'));
    socket.on('error', (err) => log.debug({ err: String(err), remote: this.remote }, 'client socket error'));
  }

  /** Delivers frames in order; a throwing handler (or a framing error) ends the connection with an ERROR frame. */
  onFrames(handler: (frame: Frame) => void): void {
    this.handler = handler;
    this.socket.on('data', (chunk: Buffer) => {
      if (this.closed) return;
      try {
        this.queued.push(...this.decoder.push(chunk));
      } catch (err) {
        // Frames before the bad one are still delivered (in order), then the connection fails.
        this.deliver();
        this.fail(err);
        return;
      }
      this.deliver();
    });
  }

  /** From now on BATCH frames may be up to the frame cap (the session is open). */
  allowDataFrames(): void {
    this.decoder.dataFramesAllowed = true;
  }

  /** Asked on an idle timeout: true if the gateway is waiting for something from this client. */
  setWaitingOnClient(check: () => boolean): void {
    this.waitingOnClient = check;
  }

  /** Stops reading from the socket (TCP backpressure reaches the client) until `resume(reason)`. */
  pause(reason: PauseReason): void {
    if (this.paused.size === 0) this.socket.pause();
    this.paused.add(reason);
  }

  resume(reason: PauseReason): void {
    if (!this.paused.delete(reason) || this.paused.size > 0 || this.closed) return;
    this.deliver();
    if (this.paused.size === 0) this.socket.resume();
  }

  get isPaused(): boolean {
    return this.paused.size > 0;
  }

  /** Called when the connection is closed because of a protocol (or internal) error. */
  onFail(handler: (err: unknown) => void): void {
    this.failHandlers.push(handler);
  }

  onClose(handler: () => void): void {
    if (this.closed) handler();
    else this.closeHandlers.push(handler);
  }

  get isClosed(): boolean {
    return this.closed;
  }

  send(parts: Buffer | Buffer[]): void {
    if (this.closed) return;
    let ok: boolean;
    if (Array.isArray(parts)) {
      this.socket.cork();
      ok = true;
      for (const p of parts) ok = this.socket.write(p);
      this.socket.uncork();
    } else ok = this.socket.write(parts);
    // A client that does not read our acks and results must not make us buffer without end.
    if (!ok) this.pause('writes');
  }

  /** Sends an ERROR frame naming the problem and closes the connection. */
  fail(err: unknown): void {
    const code = isCoffeeError(err) ? err.code : ErrorCode.INTERNAL;
    const message = err instanceof Error ? err.message : String(err);
    if (!isCoffeeError(err)) this.log.error({ err: String(err), remote: this.remote }, 'internal error on a client connection');
    else this.log.warn({ code, message, remote: this.remote }, 'closing client connection');
    const first = !this.closed;
    if (first) this.endSocket(encodeJsonFrame(FrameType.ERROR, { code, message } satisfies ErrorBody));
    this.markClosed();
    if (first) for (const h of this.failHandlers.splice(0)) h(err);
  }

  end(last?: Buffer): void {
    if (!this.closed) this.endSocket(last);
    this.markClosed();
  }

  destroy(): void {
    this.socket.destroy();
    this.markClosed();
  }

  private deliver(): void {
    while (this.queued.length > 0 && this.paused.size === 0 && !this.closed) {
      const frame = this.queued.shift()!;
      try {
        this.handler?.(frame);
      } catch (err) {
        this.fail(err);
      }
    }
  }

  private onIdle(): void {
    if (this.closed) return;
    if (this.decoder.buffered > 0 || this.waitingOnClient())
      this.fail(
        new CoffeeError(ErrorCode.CONNECTION_TIMEOUT, `no data from the client for ${this.limits.idleTimeoutMs} ms while waiting on it`),
      );
    // Waiting on the system (a long query) is not the client's fault: arm the timer again.
    else this.socket.setTimeout(this.limits.idleTimeoutMs);
  }

  /** Ends gracefully, then destroys: a peer that never sends FIN must not keep the socket. */
  private endSocket(last?: Buffer): void {
    if (last) this.socket.end(last);
    else this.socket.end();
    setTimeout(() => this.socket.destroy(), this.limits.closeGraceMs).unref();
  }

  private markClosed(): void {
    if (this.closed) return;
    this.closed = true;
    this.queued.length = 0;
    for (const h of this.closeHandlers.splice(0)) h();
  }
}
