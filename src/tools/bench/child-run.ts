import { spawn } from 'node:child_process';
import { CoffeeError, type ErrorCode } from '../../node/errors.js';

/** What a timed child (reference, DuckDB) prints as its one JSON line, plus the parent's wall time. */
export interface TimedChildResult {
  /** The work itself (read + compute + write the five files), timed inside the child. */
  seconds: number;
  /** Parent-side wall time, process start-up and module loading included. */
  wallSeconds: number;
  /** The child's own peak RSS (native allocations included) and CPU. */
  maxRssBytes: number;
  cpuSeconds: number;
}

/**
 * Runs `node script ...args` in its own process, so its time and peak RSS are its own, and
 * parses the JSON line it prints. A non-zero exit rejects with the first line of its stderr.
 */
export function runTimedChild<T extends Omit<TimedChildResult, 'wallSeconds'>>(
  script: string,
  args: string[],
  what: string,
  errorCode: ErrorCode,
): Promise<T & { wallSeconds: number }> {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const wallSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
      if (code !== 0) {
        reject(new CoffeeError(errorCode, `${what} failed (exit ${code}): ${stderr.trim().split('\n')[0] ?? ''}`));
        return;
      }
      try {
        resolve({ ...(JSON.parse(stdout.trim()) as T), wallSeconds });
      } catch {
        reject(new CoffeeError(errorCode, `${what} printed no result`));
      }
    });
  });
}

/** The child's own figures, as it prints them. */
export function ownUsage(seconds: number): Omit<TimedChildResult, 'wallSeconds'> {
  const u = process.resourceUsage();
  return { seconds, maxRssBytes: u.maxRSS * 1024, cpuSeconds: (u.userCPUTime + u.systemCPUTime) / 1e6 };
}
