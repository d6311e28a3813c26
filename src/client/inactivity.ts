import { CoffeeError, ErrorCode } from '../node/errors.js';

/**
 * The client's inactivity timeout (`--idle-timeout`). While the run waits on a gateway (an
 * unanswered HELLO, unacknowledged batches or table ends, the reports once the upload is done,
 * BYE after DONE), some frame must arrive within `timeoutMs`; otherwise `onTimeout` gets an
 * ERR_CLIENT_TIMEOUT naming what it waited for (the client fails the run with it, except after
 * DONE: its reports are written, so it leaves that gateway and resumes elsewhere). A gateway
 * with an open session sends KEEPALIVE every `client_keepalive` (15 s), so a long honest wait
 * (a big session computing its reports) never trips it: only a dead, hung or silent gateway
 * does. Time the client spends on its own work (reading and encoding the dataset with nothing
 * in flight) does not count.
 */
export class InactivityWatch {
  private last: number;
  private timer: NodeJS.Timeout | undefined;

  /**
   * @param waitingFor what the run waits on a gateway for, in words, or null when it waits for
   *   nothing (the silence is then not the gateway's)
   */
  constructor(
    readonly timeoutMs: number,
    private readonly waitingFor: () => string | null,
    private readonly onTimeout: (err: CoffeeError) => void,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.last = now();
  }

  /** Checks about four times per timeout (at most once a second). */
  start(): void {
    this.timer ??= setInterval(() => this.check(), Math.max(10, Math.min(1000, this.timeoutMs / 4)));
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** A frame arrived from a gateway. */
  touch(): void {
    this.last = this.now();
  }

  /** Fails the run if it waited on a gateway for longer than the timeout (called by the timer). */
  check(): void {
    const what = this.waitingFor();
    const now = this.now();
    // Waiting for nothing: the clock starts when the client starts waiting again.
    if (what === null) {
      this.last = now;
      return;
    }
    if (now - this.last < this.timeoutMs) return;
    this.stop();
    const s = Number((this.timeoutMs / 1000).toFixed(1));
    this.onTimeout(
      new CoffeeError(
        ErrorCode.CLIENT_TIMEOUT,
        `nothing arrived from any gateway for ${s} s while waiting for ${what} (a live gateway sends one at least every 15 s by default): ` +
          'the gateway or the cluster is not responding. Check the cluster (npx coffee-analysis status), then run again; ' +
          '--idle-timeout S waits longer',
      ),
    );
  }
}
