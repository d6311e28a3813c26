/**
 * Periodic timers on a shared wall-clock grid.
 *
 * A node's periodic work (heartbeats, stats, metrics, status files, liveness checks) runs at
 * multiples of its period on the wall clock (`Date.now()`), not at whatever phase each timer
 * happened to be started at. Timers due at the same instant run in one turn of the event loop,
 * so a node wakes once for several of them; and since every node of the machine keeps the same
 * grid, an Egg of Life gets the cluster's heartbeats in one burst and reads them in a few
 * wake-ups instead of one per datagram. Wake-ups are what an idle cluster spends its CPU on
 * (issue 11, README "Round six").
 */
export interface GridTimer {
  stop(): void;
}

/**
 * The next grid instant to aim at after `target` was due and it is now `now`: the following
 * step, or (if that one is already past: the loop was blocked for a whole period) the first
 * step after `now`. Never `now` itself, so a timer that fires a little early by the wall clock
 * does not run twice in a row.
 */
export function nextGridTarget(target: number, now: number, everyMs: number): number {
  const next = target + everyMs;
  return next > now ? next : now - (now % everyMs) + everyMs;
}

/**
 * The first grid step to aim at for a timer started at `now`: at least one full period away,
 * never sooner than an interval timer's first call. Otherwise a node's first metrics file could
 * be written milliseconds after start, before it saw anything, and stand for a whole idle cadence.
 */
export function firstGridTarget(now: number, everyMs: number): number {
  const next = now - (now % everyMs) + everyMs;
  return next - now < everyMs ? next + everyMs : next;
}

/**
 * Calls `fn` at every multiple of `everyMs` on the wall clock until stopped; the first call is
 * one to two periods away (firstGridTarget). Never before its instant: Node's timers run on the
 * monotonic clock and may fire a millisecond early by `Date.now()` (CI saw two calls in one
 * step: one late, the next early); such a wake-up waits out the rest. The timer does not keep
 * the process alive.
 */
export function everyOnGrid(fn: () => void, everyMs: number, now: () => number = Date.now): GridTimer {
  if (!Number.isFinite(everyMs) || everyMs < 1) throw new RangeError(`grid period must be at least 1 ms, got ${everyMs}`);
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const arm = (target: number): void => {
    timer = setTimeout(
      () => {
        if (stopped) return;
        if (now() < target) return arm(target);
        try {
          fn();
        } finally {
          if (!stopped) arm(nextGridTarget(target, now(), everyMs));
        }
      },
      Math.max(0, target - now()),
    );
    timer.unref();
  };
  arm(firstGridTarget(now(), everyMs));
  return {
    stop(): void {
      stopped = true;
      if (timer) clearTimeout(timer);
    },
  };
}
