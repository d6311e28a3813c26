import path from 'node:path';
import { existsSync } from 'node:fs';
import { parseFlags } from './flags.js';
import { DEFAULT_CLUSTER_CONFIG, loadClusterConfig, runDir, type ClusterConfig } from '../../node/config/cluster.js';
import { registryFile } from '../../egg-of-life/restart/registry.js';
import { ClusterObserver, type ClusterSnapshot } from '../../dashboard/collect.js';
import { liveSupervisor } from '../cluster/supervisor.js';

const STATUS_USAGE =
  'usage: coffee-analysis status [--config FILE] [--json]\n' +
  '  every node of the local cluster (state, pid, uptime, restarts), the Egg of Life leader, sessions in flight';

function duration(s: number | null): string {
  if (s === null) return '-';
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** The human-readable form of a snapshot. */
export function formatStatus(snap: ClusterSnapshot, supervisor: number | undefined): string {
  const alive = snap.nodes.filter((n) => n.state === 'alive').length;
  const lines = [
    `cluster ${snap.name} (run dir ${snap.runDir}): ${alive}/${snap.nodes.length} nodes alive; ` +
      `supervisor ${supervisor === undefined ? 'not running' : `pid ${supervisor}`}`,
    `Egg of Life leader: ${snap.leader ?? 'none'}`,
    '',
    `${'node'.padEnd(16)}${'state'.padEnd(12)}${'pid'.padStart(8)}${'uptime'.padStart(10)}${'restarts'.padStart(10)}`,
    ...snap.nodes.map(
      (n) =>
        `${n.id.padEnd(16)}${n.state.padEnd(12)}${String(n.pid ?? '-').padStart(8)}${duration(n.uptimeSeconds).padStart(10)}${String(n.restarts).padStart(10)}`,
    ),
    '',
  ];
  if (snap.sessions.length === 0) lines.push('sessions in flight: none');
  else {
    lines.push(`sessions in flight: ${snap.sessions.length}`);
    for (const s of snap.sessions) {
      const src = s.stages.source;
      const sent = src ? `${src.received}/${src.expected ?? '?'} batches` : '-';
      const open = Object.entries(s.stages).filter(([, st]) => st && !st.closed).length;
      lines.push(
        `  ${s.id}  controller ${s.controller}  sent ${sent}  ${s.rows} rows  ${s.complete ? 'complete' : `${open} stage(s) open`}`,
      );
    }
  }
  return `${lines.join('\n')}\n`;
}

/** `coffee-analysis status [--config FILE] [--json]` */
export async function run(argv: string[]): Promise<number> {
  const { values } = parseFlags(
    'status',
    { args: argv, options: { config: { type: 'string' }, json: { type: 'boolean', default: false } } },
    STATUS_USAGE,
  );
  const configFile = path.resolve(values.config ?? DEFAULT_CLUSTER_CONFIG);
  const config = loadClusterConfig(configFile) as ClusterConfig;
  const observer = new ClusterObserver(config, configFile);
  const snap = observer.snapshot();
  const supervisor = liveSupervisor(config);
  if (values.json) {
    const { nodes, leader, sessions, name, runDir: dir, timeline } = snap;
    process.stdout.write(
      `${JSON.stringify({ name, runDir: dir, supervisor: supervisor ?? null, leader, nodes, sessions, timeline }, null, 2)}\n`,
    );
    return 0;
  }
  if (!existsSync(registryFile(config)) && snap.nodes.every((n) => n.pid === null)) {
    process.stdout.write(`no cluster has run with run dir ${runDir(config)} (start one with \`npx coffee-analysis cluster\`)\n`);
    return 0;
  }
  process.stdout.write(formatStatus(snap, supervisor));
  return Promise.resolve(0);
}
