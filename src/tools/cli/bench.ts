import { BENCH_USAGE, parseBenchArgs } from '../bench/args.js';
import { runBench } from '../bench/run.js';

/** `coffee-analysis bench [--scale X] [--clients K] ...`: the benchmark (SYSTEM.md, Benchmark). */
export async function run(argv: string[]): Promise<number> {
  const args = parseBenchArgs(argv);
  if (args === 'help') {
    process.stdout.write(BENCH_USAGE);
    return 0;
  }
  return runBench(args);
}
