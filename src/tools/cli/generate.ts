import { parseFlags } from './flags.js';
import { UsageError } from '../../node/errors.js';
import { BAD_ROW_COUNT, estimateBytes, generateDataset, MAX_SCALE, MIN_SCALE } from '../generator/index.js';

/**
 * `coffee-analysis generate --out DIR [--scale X] [--seed N] [--hard-cases] [--bad-rows]`:
 * writes a synthetic dataset in the real layout. Scale 1 is the real size (~3 GB).
 */
export const GENERATE_USAGE =
  'usage: coffee-analysis generate --out DIR [--scale X] [--seed N] [--hard-cases] [--bad-rows]\n' +
  `  --scale X      1 = real size (~14 M transactions, ~3 GB); ${MIN_SCALE}..${MAX_SCALE} (default 1)\n` +
  '  --seed N       non-negative integer; same seed + scale + flags = identical files (default 1)\n' +
  '  --hard-cases   add CRLF *_hardcases.csv files with quoting, boundaries and ties\n' +
  `  --bad-rows     splice ${BAD_ROW_COUNT} malformed rows into three monthly files\n`;

export interface GenerateArgs {
  out: string;
  scale: number;
  seed: number;
  hardCases: boolean;
  badRows: boolean;
}

export function parseGenerateArgs(argv: string[]): GenerateArgs | 'help' {
  const { values } = parseFlags('generate', {
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      out: { type: 'string' },
      scale: { type: 'string' },
      seed: { type: 'string' },
      'hard-cases': { type: 'boolean' },
      'bad-rows': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return 'help';
  if (values.out === undefined || values.out.trim() === '') throw new UsageError('generate: --out DIR is required');
  const scaleText = values.scale ?? '1';
  const scale = /^\s*$/.test(scaleText) ? NaN : Number(scaleText);
  if (!Number.isFinite(scale) || scale < MIN_SCALE || scale > MAX_SCALE) {
    throw new UsageError(`generate: --scale must be a number between ${MIN_SCALE} and ${MAX_SCALE}, got '${scaleText}'`);
  }
  const seedText = values.seed ?? '1';
  const seed = /^\d+$/.test(seedText) ? Number(seedText) : NaN;
  if (!Number.isSafeInteger(seed)) throw new UsageError(`generate: --seed must be a non-negative integer, got '${seedText}'`);
  return { out: values.out, scale, seed, hardCases: values['hard-cases'] === true, badRows: values['bad-rows'] === true };
}

export async function run(argv: string[]): Promise<number> {
  const args = parseGenerateArgs(argv);
  if (args === 'help') {
    process.stdout.write(GENERATE_USAGE);
    return 0;
  }
  const started = process.hrtime.bigint();
  const estimate = estimateBytes(args.scale);
  let written = 0;
  let lastShown = 0;
  const tty = process.stderr.isTTY === true;
  const result = await generateDataset({
    ...args,
    onProgress(bytes) {
      written += bytes;
      // Progress only on a terminal, at most every 64 MB, so logs and pipes stay clean.
      if (tty && written - lastShown >= 64 << 20) {
        lastShown = written;
        process.stderr.write(`\rgenerating: ${(written / 1e6).toFixed(0)} MB of ~${(estimate / 1e6).toFixed(0)} MB`);
      }
    },
  });
  if (tty && lastShown > 0) process.stderr.write('\n');
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const mb = result.bytes / 1e6;
  process.stdout.write(
    `wrote ${result.files} files, ${mb.toFixed(1)} MB in ${seconds.toFixed(1)} s (${(mb / Math.max(seconds, 1e-3)).toFixed(1)} MB/s) to ${args.out}: ` +
      `${result.rows.transactions} transactions, ${result.rows.transaction_items} item rows, ${result.rows.users} users` +
      (args.hardCases ? ', hard cases' : '') +
      (args.badRows ? `, ${result.badRows} bad rows` : '') +
      '\n',
  );
  return 0;
}
