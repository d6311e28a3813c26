import { readFileSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { pidDir, type ClusterConfig, type NodeKind, NODE_KINDS } from './config/cluster.js';

/** A node found through its pid file. */
export interface PidFileEntry {
  id: string;
  kind: NodeKind;
  index: number;
  pid: number;
  file: string;
}

/** Splits `<kind>-<index>` (kinds contain dashes, so the index is the last segment). */
export function parseNodeId(id: string): { kind: NodeKind; index: number } | null {
  const m = /^(.+)-(\d+)$/.exec(id);
  if (!m) return null;
  const kind = m[1] as NodeKind;
  if (!NODE_KINDS.includes(kind)) return null;
  return { kind, index: Number(m[2]) };
}

/**
 * Whether `pid` is a live process. A zombie (dead, not yet reaped: PID 1 of a container may
 * never reap) counts as dead, since signals to it do nothing and it holds no resources.
 */
export function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (err) {
    // EPERM: alive but someone else's; never one of ours (we spawn every node as ourselves).
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  const state = procState(pid);
  return state !== 'Z' && state !== 'X';
}

function procState(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  } catch {
    return undefined;
  }
}

/**
 * Whether `pid` is alive AND is the node `id` (its command line names `<kind> --index <n>`).
 * Guards against pid reuse: a stale pid file must never make us signal an unrelated process.
 * Where /proc is unavailable, liveness alone is the answer.
 */
export function isNodeProcess(pid: number, id: string): boolean {
  if (!isAlive(pid)) return false;
  const parsed = parseNodeId(id);
  let cmdline: string;
  try {
    cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return true;
  }
  if (!parsed) return false;
  return cmdline.includes(`\0${parsed.kind}\0--index\0${parsed.index}\0`);
}

export function pidFileOf(cluster: ClusterConfig, id: string): string {
  return path.join(pidDir(cluster), `${id}.pid`);
}

/** The pid written in a node's pid file, or undefined. */
export function readPidFile(file: string): number | undefined {
  try {
    const pid = Number(readFileSync(file, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Every pid file of the run dir (live or stale). */
export function listPidFiles(cluster: ClusterConfig): PidFileEntry[] {
  const dir = pidDir(cluster);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const out: PidFileEntry[] = [];
  for (const name of names.sort()) {
    if (!name.endsWith('.pid')) continue;
    const id = name.slice(0, -4);
    const parsed = parseNodeId(id);
    const file = path.join(dir, name);
    const pid = readPidFile(file);
    if (!parsed || pid === undefined) continue;
    out.push({ id, ...parsed, pid, file });
  }
  return out;
}

/** Nodes of the run dir whose pid file names a live process that is that node. */
export function liveNodes(cluster: ClusterConfig): PidFileEntry[] {
  return listPidFiles(cluster).filter((e) => isNodeProcess(e.pid, e.id));
}

export function removePidFile(file: string): void {
  rmSync(file, { force: true });
}

/** Sends a signal, ignoring a process that is already gone. Returns whether it was delivered. */
export function signal(pid: number, sig: NodeJS.Signals): boolean {
  try {
    process.kill(pid, sig);
    return true;
  } catch {
    return false;
  }
}

/** Polls `cond` every `everyMs` until it holds or `timeoutMs` passes; returns whether it held. */
export async function waitFor(cond: () => boolean | Promise<boolean>, timeoutMs: number, everyMs = 20): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await cond()) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
