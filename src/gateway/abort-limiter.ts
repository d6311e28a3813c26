/**
 * Rate limit of session aborts per source address (issue 9, finding 16). A session opened and
 * then aborted by a protocol violation costs the cluster about a dozen fsyncs and a finished-
 * session marker in every partitioned node; a loop of HELLO → SESSION → garbage frame must not
 * be free. Past `max` aborts within `windowMs`, the source's new connections are refused with
 * ERR_BUSY until the window has moved on. Memory is bounded: at most `maxSources` addresses are
 * remembered (the oldest forgotten first), each with at most `max` timestamps.
 */
export class AbortLimiter {
  private readonly bySource = new Map<string, number[]>();

  constructor(
    private readonly max: number,
    private readonly windowMs: number,
    private readonly maxSources = 4096,
  ) {}

  record(source: string, now = Date.now()): void {
    const times = this.recent(source, now);
    times.push(now);
    if (times.length > this.max) times.splice(0, times.length - this.max);
    this.bySource.delete(source);
    this.bySource.set(source, times);
    if (this.bySource.size > this.maxSources) this.bySource.delete(this.bySource.keys().next().value!);
  }

  /** Whether `source` is over its limit now; if so, ms until it may connect again. */
  blockedFor(source: string, now = Date.now()): number {
    const times = this.recent(source, now);
    if (times.length < this.max) return 0;
    return times[times.length - this.max] + this.windowMs - now;
  }

  get sources(): number {
    return this.bySource.size;
  }

  private recent(source: string, now: number): number[] {
    const times = this.bySource.get(source) ?? [];
    while (times.length > 0 && times[0] <= now - this.windowMs) times.shift();
    return times;
  }
}
