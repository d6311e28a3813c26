/**
 * A file written in large chunks through a write stream that honours backpressure: callers
 * build ~1 MB strings and `await write(chunk)`, which only waits when the stream's buffer is
 * full, so generation (CPU) overlaps with the disk writes (libuv thread pool).
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';

/** Callers flush their string buffer once it grows past this many characters. */
export const CHUNK_CHARS = 1 << 20;

export class FileSink {
  private readonly stream: WriteStream;
  private failure: Error | undefined;
  bytes = 0;

  constructor(
    readonly path: string,
    private readonly onBytes?: (bytes: number) => void,
  ) {
    this.stream = createWriteStream(path, { highWaterMark: 8 * CHUNK_CHARS });
    this.stream.on('error', (err) => {
      this.failure = err;
    });
  }

  async write(chunk: string | Uint8Array): Promise<void> {
    if (chunk.length === 0) return;
    this.throwIfFailed();
    const n = typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.byteLength;
    this.bytes += n;
    if (!this.stream.write(chunk)) {
      // events.once rejects on 'error' by itself and removes both listeners when settled.
      await once(this.stream, 'drain');
      this.throwIfFailed();
    }
    this.onBytes?.(n);
  }

  async close(): Promise<void> {
    this.throwIfFailed();
    await new Promise<void>((resolve, reject) => {
      this.stream.end((err?: Error | null) => (err ? reject(err) : resolve()));
    });
    this.throwIfFailed();
  }

  /** A method, not an inline check: the stream's error handler may set `failure` across an await. */
  private throwIfFailed(): void {
    if (this.failure) throw this.failure;
  }
}
