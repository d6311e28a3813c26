import { MAINS, run } from './node.js';
import { exitWith } from './exit.js';
import { loadClusterConfig } from '../../node/config/cluster.js';

/**
 * The entry of `dist/bundle/cached/node.cjs`, the one-file CommonJS bundle a node process runs
 * through V8's code cache (scripts/bundle.js builds it and its cache; code-cache.ts loads it).
 * Only `coffee-analysis node <kind> --index N` comes here; most commands run the ES module bundle.
 */

/** Runs `node <kind> --index N` (argv after `node`). */
export function main(argv: string[]): void {
  exitWith(run(argv));
}

/**
 * Evaluates every node kind's modules and reads the default cluster config (YAML parser and
 * schema checks, which every node runs first) without starting anything: the build runs it
 * once so the code cache it writes holds that compiled code.
 */
export async function preload(): Promise<void> {
  await Promise.all(Object.values(MAINS).map((load) => load()));
  try {
    loadClusterConfig();
  } catch {
    // Only a warm-up: a broken config is reported by the node that reads it.
  }
}
