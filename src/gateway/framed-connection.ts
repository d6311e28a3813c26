import type { Socket } from 'node:net';
import { FrameDecoder, FrameType, encodeJsonFrame, type Frame } from '../protocol/wire/frames.js';
import type { ErrorBody } from '../protocol/wire/messages.js';
import { isCoffeeError, ErrorCode } from '../node/errors.js';
import type { Logger } from '../node/log.js';

/** One client's TCP connection with framing: whole frames in, frames out, errors as ERROR frames. */
export class FramedConnection {
  private readonly decoder: FrameDecoder;
  private closed = false;
  private readonly closeHandlers: Array<() => void> = [];
  private readonly failHandlers: Array<(err: unknown) => void> = [];
  readonly remote: string;

  constructor(
    private readonly socket: Socket,
    maxFrameBytes: number,
    private readonly log: Logger,
  ) {
    this.decoder = new FrameDecoder(maxFrameBytes);
    this.remote = `${socket.remoteAddress}:${socket.remotePort}`;
    socket.setNoDelay(true);
    socket.on('close', () => this.markClosed());
    socket.on('error', (err) => log.debug({ err: String(err), remote: this.remote }, 'client socket error'));
  }

  /** Delivers frames in order; a throwing handler (or a framing error) ends the connection with an ERROR frame. */
  onFrames(handler: (frame: Frame) => void): void {
    this.socket.on('data', (chunk: Buffer) => {
      if (this.closed) return;
      try {
        for (const frame of this.decoder.push(chunk)) handler(frame);
      } catch (err) {
        this.fail(err);
      }
    });
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
    if (Array.isArray(parts)) {
      this.socket.cork();
      for (const p of parts) this.socket.write(p);
      this.socket.uncork();
    } else this.socket.write(parts);
  }

  /** Sends an ERROR frame naming the problem and closes the connection. */
  fail(err: unknown): void {
    const code = isCoffeeError(err) ? err.code : ErrorCode.INTERNAL;
    const message = err instanceof Error ? err.message : String(err);
    if (!isCoffeeError(err)) this.log.error({ err: String(err), remote: this.remote }, 'internal error on a client connection');
    else this.log.warn({ code, message, remote: this.remote }, 'closing client connection');
    const first = !this.closed;
    if (first) this.socket.end(encodeJsonFrame(FrameType.ERROR, { code, message } satisfies ErrorBody));
    this.markClosed();
    if (first) for (const h of this.failHandlers.splice(0)) h(err);
  }

  end(last?: Buffer): void {
    if (!this.closed) {
      if (last) this.socket.end(last);
      else this.socket.end();
    }
    this.markClosed();
  }

  destroy(): void {
    this.socket.destroy();
    this.markClosed();
  }

  private markClosed(): void {
    if (this.closed) return;
    this.closed = true;
    for (const h of this.closeHandlers.splice(0)) h();
  }
}
