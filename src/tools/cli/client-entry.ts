import { run } from './client.js';
import { exitWith } from './exit.js';
import { warmUpCharts } from '../../queries/report-charts.js';

/**
 * The entry of `dist/bundle/cached/client.cjs`: `coffee-analysis client ...` (what `npm start`
 * and the bench run, once per client) through V8's code cache, like a node (see node-entry.ts).
 */

/** Runs `client ...` (argv after `client`). */
export function main(argv: string[]): void {
  exitWith(run(argv));
}

/** Evaluates the client's modules and renders a chart of each kind, for the build's code cache. */
export async function preload(): Promise<void> {
  await warmUpCharts();
}
