import type { NodeKind } from './config/cluster.js';
import { ConfigError } from './errors.js';

/**
 * V8 flags of the nodes that carry the data itself: every batch passes through a gateway and a
 * filter. The local runner puts them ahead of the script; in containers, compose gives those
 * services the same entrypoint flags (compose-file.ts). The build makes the node bundle's code
 * cache once without flags and once under these (V8 refuses a cache made under other flags; a
 * refused cache costs each node ~0.1 CPU-s of compiling: README, "Start-up").
 *
 * `--initial-old-space-size=64`: a node's live heap is ~10-15 MB, and V8 set its
 * old-generation limit at about twice that, so what each batch leaves behind (message and frame
 * wrappers of 1-4 MB bodies) reached it every few hundred milliseconds: 1-7 full mark-compacts
 * per gateway and filter in one scale-0.33 run, a fifth to a third of their CPU in `perf`
 * (issue 11). With 64 MB none happened during a run (four runs in a row on one cluster); the
 * idle memory reducer still compacts between runs; 32 MB was not enough. Not for every node: a
 * process started with it spends ~20 ms more CPU starting (it grows its heap instead of
 * collecting while it loads), which the other 15 nodes would pay at every start for nothing.
 */
export const BULK_NODE_V8_FLAGS: readonly string[] = ['--initial-old-space-size=64'];

/**
 * V8 flags of a client process this system starts (`npm start`'s and `bench`'s clients, a
 * client's reader process, a compose file's client services): the same old-generation start as
 * the bulk nodes, for the same reason. A client's live heap is ~12 MB and it holds the batches of
 * its upload window (1-4 MB buffers outside the heap); V8 kept starting a full mark-compact every
 * 200-400 ms: 8-17 per scale-0.33 run, 145-244 ms of its main thread in `--trace-gc`, against 1-2
 * and 65-80 ms with the flag (three alternating runs each, issue 11). A client run by hand
 * (`npx coffee-analysis client`) starts without it unless given (`node
 * --initial-old-space-size=64 bin/coffee-analysis.js client ...`): the launcher does not start a
 * second process to add it.
 */
export const CLIENT_V8_FLAGS: readonly string[] = ['--initial-old-space-size=64'];

/**
 * Below this much input a client gets no flags: it uploads too little for a mark-compact to
 * come (about one per 64 MB of batches without the flag), and the flag costs a start ~20 ms
 * of CPU (`npm start`'s sample is 7 MB).
 */
export const CLIENT_V8_FLAGS_MIN_BYTES = 64 * 1024 * 1024;

/** The V8 flags of a client process that will read `datasetBytes` of CSV. */
export function clientV8Flags(datasetBytes: number): readonly string[] {
  return datasetBytes >= CLIENT_V8_FLAGS_MIN_BYTES ? CLIENT_V8_FLAGS : [];
}

/** The kinds that get BULK_NODE_V8_FLAGS. */
export const BULK_NODE_KINDS: readonly NodeKind[] = ['gateway', 'tx-filter', 'item-filter'];

/** The V8 flags a node of `kind` starts with. */
export function v8FlagsFor(kind: NodeKind): readonly string[] {
  return BULK_NODE_KINDS.includes(kind) ? BULK_NODE_V8_FLAGS : [];
}

/** The variable naming extra Node flags for every node a local runner starts (see nodeFlagsFromEnv). */
export const NODE_FLAGS_ENV = 'COFFEE_NODE_FLAGS';

/**
 * Extra Node flags, whitespace-separated in COFFEE_NODE_FLAGS, for every node the local runner
 * starts (the cluster's first start and the Egg of Life's restarts alike): to profile the nodes
 * of a real run, e.g. `COFFEE_NODE_FLAGS="--cpu-prof --cpu-prof-dir=/tmp/prof" npx coffee-analysis
 * bench`. NODE_OPTIONS cannot do that: Node refuses `--cpu-prof` there. A V8 flag may make V8
 * refuse the build's code cache (the node then compiles its bundle, ~0.1 CPU-s a start), and a
 * profiler costs CPU of its own: figures taken with flags are not the bench's.
 * Anything but `--flag` words is refused, so a stray word cannot become the node's script.
 */
export function nodeFlagsFromEnv(env: NodeJS.ProcessEnv = process.env): readonly string[] {
  const raw = env[NODE_FLAGS_ENV]?.trim();
  if (!raw) return [];
  const flags = raw.split(/\s+/);
  const bad = flags.find((f) => !/^--[a-z]/.test(f));
  if (bad !== undefined)
    throw new ConfigError(
      `${NODE_FLAGS_ENV}: "${bad}" is not a Node flag; give flags such as "--cpu-prof --cpu-prof-dir=DIR", separated by spaces`,
    );
  return flags;
}
