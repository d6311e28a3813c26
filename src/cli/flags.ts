import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from '../common/errors/index.js';

/**
 * node:util parseArgs, strict, with its errors (unknown flag, missing value) turned into a
 * one-line UsageError prefixed by the subcommand.
 */
export function parseFlags<T extends ParseArgsConfig>(command: string, config: T): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config);
  } catch (err) {
    throw new UsageError(`${command}: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
  }
}
