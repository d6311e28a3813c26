import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { everyOnGrid } from './grid-timer.js';

/** `<run>/sessions/<id>.json`: what a node tells the dashboard and `status` about its sessions. */
export function sessionStatusFile(runDir: string, id: string): string {
  return path.join(runDir, 'sessions', `${id}.json`);
}

/**
 * Writes `snapshot()` as JSON to `file` every `everyMs`, only when it changed (an idle node
 * writes nothing), atomically (temp + rename). A cheap, pull-free feed for observers: the node
 * never waits on a reader. Best effort; returns a stop function that removes the file.
 */
export function writeStatusPeriodically(file: string, snapshot: () => unknown, everyMs = 1000): () => void {
  const tmp = `${file}.${process.pid}.tmp`;
  let last = '';
  const write = (): void => {
    try {
      const text = JSON.stringify(snapshot());
      if (text === last) return;
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileSync(tmp, text);
      renameSync(tmp, file);
      last = text;
    } catch {
      // Observability must never hurt the node.
    }
  };
  write();
  const timer = everyOnGrid(write, everyMs);
  return () => {
    timer.stop();
    rmSync(file, { force: true });
  };
}
