import { run } from './start.js';
import { exitWith } from './exit.js';

/**
 * The entry of `dist/bundle/cached/start.cjs`: `npm start` (`coffee-analysis start ...`, the
 * supervisor that starts the cluster and the clients) through V8's code cache, like a node
 * (see node-entry.ts).
 */

/** Runs `start ...` (argv after `start`). */
export function main(argv: string[]): void {
  exitWith(run(argv));
}

/** The start command's modules are evaluated by loading the bundle; nothing more to warm up. */
export async function preload(): Promise<void> {}
