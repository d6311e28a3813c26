import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { CoffeeError, ErrorCode } from '../../node/errors.js';

export interface ReferenceRun {
  /** computeReference + writing the five files, timed inside the child. */
  seconds: number;
  /** Parent-side wall time, Node start-up included. */
  wallSeconds: number;
  rows: number;
  rejected: number;
  inputBytes: number;
  maxRssBytes: number;
  cpuSeconds: number;
}

const CHILD = fileURLToPath(new URL('./reference-child.js', import.meta.url));

/** Runs the reference on `data` in a child process, writing its reports to `out`. */
export function runReference(data: string, out: string): Promise<ReferenceRun> {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(process.execPath, [CHILD, data, out], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const wallSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
      if (code !== 0) {
        reject(
          new CoffeeError(
            ErrorCode.BENCH_REFERENCE,
            `reference run on ${data} failed (exit ${code}): ${stderr.trim().split('\n')[0] ?? ''}`,
          ),
        );
        return;
      }
      try {
        resolve({ ...(JSON.parse(stdout.trim()) as Omit<ReferenceRun, 'wallSeconds'>), wallSeconds });
      } catch {
        reject(new CoffeeError(ErrorCode.BENCH_REFERENCE, `reference run on ${data} printed no result`));
      }
    });
  });
}
