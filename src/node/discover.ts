import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { NODE_KINDS, nodeId, type NodeKind } from './config/cluster.js';

/** A node process found through /proc, whatever its pid file says (or whether it has one). */
export interface FoundProcess {
  pid: number;
  id: string;
  kind: NodeKind;
  index: number;
}

/** The node a command line runs (`… node <kind> --index <n>`), or null for any other process. */
export function nodeOfCmdline(args: readonly string[]): { kind: NodeKind; index: number } | null {
  for (let i = 0; i + 3 < args.length; i++) {
    if (args[i] !== 'node' || args[i + 2] !== '--index') continue;
    const kind = args[i + 1] as NodeKind;
    const index = Number(args[i + 3]);
    if (NODE_KINDS.includes(kind) && Number.isInteger(index) && index >= 0) return { kind, index };
  }
  return null;
}

/** The value of `name` in a NUL-separated environment block. */
export function envValue(environ: string, name: string): string | undefined {
  const prefix = `${name}=`;
  for (const entry of environ.split('\0')) if (entry.startsWith(prefix)) return entry.slice(prefix.length);
  return undefined;
}

/**
 * Every live node process of the cluster whose config is `configFile`: a command line
 * `coffee-analysis node <kind> --index N` and `COFFEE_CLUSTER_CONFIG` naming that file in its
 * environment (set for every node by the cluster and by the Egg of Life's restarts). Finds the
 * nodes whose pid file was lost or overwritten: the only safe answer to "what is still running".
 * Linux only (/proc); elsewhere it finds nothing and callers fall back to the pid files.
 */
export function findClusterProcesses(configFile: string): FoundProcess[] {
  const wanted = path.resolve(configFile);
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  const out: FoundProcess[] = [];
  for (const name of entries) {
    if (!/^\d+$/.test(name)) continue;
    const pid = Number(name);
    if (pid === process.pid) continue;
    try {
      const node = nodeOfCmdline(readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0'));
      if (!node) continue;
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
      if (state === 'Z' || state === 'X') continue;
      const config = envValue(readFileSync(`/proc/${pid}/environ`, 'utf8'), 'COFFEE_CLUSTER_CONFIG');
      if (config === undefined || path.resolve(config) !== wanted) continue;
      out.push({ pid, id: nodeId(node.kind, node.index), ...node });
    } catch {
      // Gone meanwhile, or not ours to read.
    }
  }
  return out.sort((a, b) => a.pid - b.pid);
}
