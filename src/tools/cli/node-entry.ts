import { MAINS, run } from './node.js';
import { ErrorCode, isCoffeeError } from '../../node/errors.js';

/**
 * The entry of `dist/bundle/node/node.cjs`, the one-file CommonJS bundle a node process runs
 * through V8's code cache (scripts/bundle.js builds it and its cache; src/tools/cli/code-cache.ts
 * loads it). Only `coffee-analysis node <kind> --index N` comes here; every other command runs
 * the ES module bundle.
 */

/** Runs `node <kind> --index N` (argv after `node`), with the CLI's exit codes (see main.ts). */
export function main(argv: string[]): void {
  run(argv).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      if (isCoffeeError(err)) {
        process.stderr.write(`coffee-analysis: ${err.message}\n`);
        process.exitCode = err.code === ErrorCode.USAGE ? 2 : 1;
      } else {
        process.stderr.write(`coffee-analysis: unexpected error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
        process.exitCode = 70;
      }
    },
  );
}

/**
 * Evaluates every node kind's modules without starting anything: the build runs it once so the
 * code cache it writes holds the compiled module code of every kind.
 */
export async function preload(): Promise<void> {
  await Promise.all(Object.values(MAINS).map((load) => load()));
}
