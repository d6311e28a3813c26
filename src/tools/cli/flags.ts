import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from '../../node/errors.js';

/**
 * `--help` was asked for: main prints the usage on stdout and exits 0. Not a CoffeeError: it is
 * no failure, only a way out of a subcommand's parsing, so it has no code in the catalogue.
 */
export class HelpRequested extends Error {
  constructor(readonly usage: string) {
    super(usage);
    this.name = 'HelpRequested';
  }
}

/**
 * node:util parseArgs, strict, with its errors (unknown flag, missing value) turned into a
 * one-line UsageError prefixed by the subcommand. With `usage`, `--help`/`-h` prints it.
 */
export function parseFlags<T extends ParseArgsConfig>(command: string, config: T, usage?: string): ReturnType<typeof parseArgs<T>> {
  if (usage !== undefined && config.args?.some((a) => a === '--help' || a === '-h')) throw new HelpRequested(usage);
  try {
    return parseArgs(config);
  } catch (err) {
    throw new UsageError(`${command}: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
  }
}
