import { exitWith } from './exit.js';

/**
 * The `coffee-analysis` command: one file per subcommand, loaded on demand so that a node
 * process only loads the code of its own kind.
 */
const SUBCOMMANDS: Record<string, { summary: string; load: () => Promise<{ run(argv: string[]): Promise<number> }> }> = {
  start: { summary: 'generate a sample if needed, start the cluster, run client(s), stop', load: () => import('./start.js') },
  cluster: { summary: 'run the local cluster in the foreground until SIGINT/SIGTERM', load: () => import('./cluster.js') },
  client: { summary: 'run one client against a running cluster', load: () => import('./client.js') },
  generate: { summary: 'write a synthetic dataset in the real layout', load: () => import('./generate.js') },
  reference: { summary: 'compute the five reports in a single process (the oracle)', load: () => import('./reference.js') },
  chaos: { summary: 'kill random nodes of the running local cluster', load: () => import('./chaos.js') },
  status: {
    summary: 'show every node of the local cluster, the Egg of Life leader, sessions in flight',
    load: () => import('./status.js'),
  },
  stop: { summary: 'stop the local cluster (also when its supervisor is gone)', load: () => import('./stop.js') },
  dashboard: { summary: 'serve the dashboard of a running cluster', load: () => import('./dashboard.js') },
  bench: { summary: 'benchmark the pipeline against the single-process reference', load: () => import('./bench.js') },
  compose: {
    summary: 'write a docker compose file that deploys the cluster (and clients) from the image',
    load: () => import('./compose.js'),
  },
  node: { summary: 'run one node of the cluster (used by the cluster and the Egg of Life)', load: () => import('./node.js') },
};

function usage(): string {
  const lines = Object.entries(SUBCOMMANDS).map(([name, s]) => `  ${name.padEnd(10)} ${s.summary}`);
  return `usage: coffee-analysis <command> [options]\n\ncommands:\n${lines.join('\n')}\n`;
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage());
    return name === undefined ? 2 : 0;
  }
  const sub = SUBCOMMANDS[name];
  if (!sub) {
    process.stderr.write(`coffee-analysis: unknown command '${name}'\n${usage()}`);
    return 2;
  }
  const mod = await sub.load();
  return mod.run(rest);
}

exitWith(main(process.argv.slice(2)));
