import { parseFlags } from '../cli/flags.js';
import path from 'node:path';
import { UsageError } from '../../node/errors.js';
import { REPO_ROOT } from '../../node/config/paths.js';
import { MAX_SCALE, MIN_SCALE } from '../generator/index.js';
import { readersFlag, type Readers } from '../../client/options.js';

export const BENCH_USAGE =
  'usage: coffee-analysis bench [--scale X] [--clients K] [--chaos S] [--json FILE] [--seed N] [--data-cache DIR] [--dashboard] [--keep] [--readers auto|1|2]\n' +
  `  --scale X         dataset size, 1 = real size (~3 GB); ${MIN_SCALE}..${MAX_SCALE} (default 0.1)\n` +
  '  --clients K       clients at once, each with its own dataset (seeds N, N+1, ...) (default 1)\n' +
  '  --json FILE       where the results go (default bench-results/bench-<scale>-<K>.json)\n' +
  '  --seed N          seed of the first dataset (default 1)\n' +
  '  --data-cache DIR  generated datasets are kept and reused here (default data/bench)\n' +
  '  --chaos S         SIGKILL one random node (any kind) every S seconds while the clients run\n' +
  '  --dashboard       serve the dashboard and keep it open in headless chromium during the run (what watching costs)\n' +
  '  --keep            keep the temporary folder (cluster run dir, client outputs, reference reports)\n' +
  '  --readers auto|1|2  processes each client reads its dataset with (client --readers; default auto)\n';

export interface BenchArgs {
  scale: number;
  clients: number;
  seed: number;
  json: string;
  dataCache: string;
  keep: boolean;
  /** Seconds between chaos kills during the run; null: no chaos. */
  chaos: number | null;
  /** The dashboard served and open in a headless browser while the clients run. */
  dashboard: boolean;
  /** Processes each client reads its dataset with (client `--readers`). */
  readers: Readers;
}

const MAX_CLIENTS = 16;

/** Parses and validates the flags; relative paths are taken from the current folder. */
export function parseBenchArgs(argv: string[], cwd = process.cwd()): BenchArgs | 'help' {
  const { values } = parseFlags('bench', {
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      scale: { type: 'string' },
      clients: { type: 'string' },
      json: { type: 'string' },
      seed: { type: 'string' },
      'data-cache': { type: 'string' },
      keep: { type: 'boolean' },
      dashboard: { type: 'boolean' },
      chaos: { type: 'string' },
      readers: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return 'help';
  const scaleText = values.scale ?? '0.1';
  const scale = /^\s*$/.test(scaleText) ? NaN : Number(scaleText);
  if (!Number.isFinite(scale) || scale < MIN_SCALE || scale > MAX_SCALE) {
    throw new UsageError(`bench: --scale must be a number between ${MIN_SCALE} and ${MAX_SCALE}, got '${scaleText}'`);
  }
  const clientsText = values.clients ?? '1';
  const clients = /^\d+$/.test(clientsText) ? Number(clientsText) : NaN;
  if (!Number.isInteger(clients) || clients < 1 || clients > MAX_CLIENTS)
    throw new UsageError(`bench: --clients must be an integer between 1 and ${MAX_CLIENTS}, got '${clientsText}'`);
  const seedText = values.seed ?? '1';
  const seed = /^\d+$/.test(seedText) ? Number(seedText) : NaN;
  if (!Number.isSafeInteger(seed) || !Number.isSafeInteger(seed + clients))
    throw new UsageError(`bench: --seed must be a non-negative integer, got '${seedText}'`);
  const chaos = values.chaos === undefined ? null : Number(values.chaos);
  if (chaos !== null && !(Number.isFinite(chaos) && chaos > 0))
    throw new UsageError(`bench: --chaos must be a positive number of seconds, got '${values.chaos}'`);
  if (values.json !== undefined && values.json.trim() === '') throw new UsageError('bench: --json needs a file name');
  if (values['data-cache'] !== undefined && values['data-cache'].trim() === '') throw new UsageError('bench: --data-cache needs a folder');
  return {
    scale,
    clients,
    seed,
    json:
      values.json !== undefined
        ? path.resolve(cwd, values.json)
        : defaultJsonFile(scale, clients, chaos !== null, undefined, values.dashboard === true),
    dataCache: values['data-cache'] !== undefined ? path.resolve(cwd, values['data-cache']) : path.join(REPO_ROOT, 'data', 'bench'),
    keep: values.keep === true,
    chaos,
    dashboard: values.dashboard === true,
    readers: readersFlag(values.readers, 'bench') ?? 'auto',
  };
}

export function defaultJsonFile(
  scale: number,
  clients: number,
  chaos = false,
  dir = path.join(REPO_ROOT, 'bench-results'),
  dashboard = false,
): string {
  return path.join(dir, `bench-${scale}-${clients}${chaos ? '-chaos' : ''}${dashboard ? '-dashboard' : ''}.json`);
}
