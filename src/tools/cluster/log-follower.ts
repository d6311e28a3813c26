import { closeSync, openSync, readSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

/**
 * Follows every `<id>.log` of a folder and writes each new line as `[id] line` to `out`.
 * Polling (not fs.watch) so it works on every platform and never misses a file that a
 * restarted node creates or appends to.
 */
export class LogFollower {
  private readonly offsets = new Map<string, number>();
  private readonly partial = new Map<string, string>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly dir: string,
    private readonly out: (line: string) => void,
    private readonly everyMs = 200,
  ) {}

  /** Starts after what the files already hold (older runs are not replayed). */
  start(): this {
    for (const name of this.names()) this.offsets.set(name, this.size(name));
    this.timer = setInterval(() => this.poll(), this.everyMs);
    this.timer.unref();
    return this;
  }

  /** Reads what is left and stops. */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.poll();
    for (const [name, rest] of this.partial) if (rest) this.out(`[${name.slice(0, -4)}] ${rest}`);
    this.partial.clear();
  }

  private names(): string[] {
    try {
      return readdirSync(this.dir).filter((n) => n.endsWith('.log'));
    } catch {
      return [];
    }
  }

  private size(name: string): number {
    try {
      return statSync(path.join(this.dir, name)).size;
    } catch {
      return 0;
    }
  }

  private poll(): void {
    for (const name of this.names()) {
      const size = this.size(name);
      let offset = this.offsets.get(name) ?? 0;
      if (size < offset) offset = 0; // truncated
      if (size === offset) continue;
      const len = Math.min(size - offset, 1 << 20);
      const buf = Buffer.alloc(len);
      let fd: number | undefined;
      try {
        fd = openSync(path.join(this.dir, name), 'r');
        readSync(fd, buf, 0, len, offset);
      } catch {
        continue;
      } finally {
        if (fd !== undefined) closeSync(fd);
      }
      this.offsets.set(name, offset + len);
      const text = (this.partial.get(name) ?? '') + buf.toString('utf8');
      const lines = text.split('\n');
      this.partial.set(name, lines.pop() ?? '');
      const id = name.slice(0, -4);
      for (const line of lines) if (line.length > 0) this.out(`[${id}] ${line}`);
    }
  }
}
