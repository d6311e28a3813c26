import { isCoffeeError, ErrorCode } from '../../node/errors.js';
import { HelpRequested } from './flags.js';

/**
 * Sets the process's exit code from a command's outcome. Exit codes: 0 success (and --help);
 * 2 usage error (no or unknown command, ERR_USAGE); 1 any other CoffeeError, one line on
 * stderr; 70 (EX_SOFTWARE) an unexpected error, with its stack, i.e. a bug; 130 when `start`
 * or `bench` is interrupted (SIGINT/SIGTERM).
 */
export function exitWith(outcome: Promise<number>): void {
  outcome.then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      if (err instanceof HelpRequested) {
        process.stdout.write(`${err.usage}\n`);
        process.exitCode = 0;
      } else if (isCoffeeError(err)) {
        process.stderr.write(`coffee-analysis: ${err.message}\n`);
        process.exitCode = err.code === ErrorCode.USAGE ? 2 : 1;
      } else {
        process.stderr.write(`coffee-analysis: unexpected error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
        process.exitCode = 70;
      }
    },
  );
}
