import { chmodSync, createWriteStream, writeFileSync, renameSync, openSync, fsyncSync, closeSync, mkdirSync } from 'node:fs';
import { once } from 'node:events';
import path from 'node:path';
import { syncDir } from './wal.js';

/**
 * Atomic file replacement: write a temp name in the same folder, then rename over the target,
 * so a reader sees the old file or the new one, never half of one. The one implementation used
 * by state files, node stats, the node registry and the reports.
 */
export interface AtomicWriteOptions {
  /**
   * Also survive a machine crash: fsync the file before the rename and the folder after it
   * (default true). Files rewritten often or rebuilt on restart (stats, reports) skip it.
   */
  durable?: boolean;
  /** File mode of the new file (default 0666 minus umask); 0600 for files holding secrets. */
  mode?: number;
}

function tempName(file: string): string {
  return `${file}.tmp-${process.pid}`;
}

function fsyncFile(file: string): void {
  const fd = openSync(file, 'r+');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function commit(tmp: string, file: string, durable: boolean): void {
  if (durable) fsyncFile(tmp);
  renameSync(tmp, file);
  if (durable) syncDir(path.dirname(file));
}

/** Writes a file atomically (creating its folder). */
export function writeFileAtomic(file: string, data: string | Buffer, options: AtomicWriteOptions = {}): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const tmp = tempName(file);
  // Mode on creation (and again, in case a stale temp file existed): never briefly world-readable.
  writeFileSync(tmp, data, options.mode === undefined ? undefined : { mode: options.mode });
  if (options.mode !== undefined) chmodSync(tmp, options.mode);
  commit(tmp, file, options.durable ?? true);
}

/** Writes a file atomically from chunks produced on the fly (with backpressure), for outputs too big to hold. */
export async function writeFileAtomicStreamed(
  file: string,
  chunks: Iterable<string | Buffer> | AsyncIterable<string | Buffer>,
  options: AtomicWriteOptions = {},
): Promise<void> {
  mkdirSync(path.dirname(file), { recursive: true });
  const tmp = tempName(file);
  const out = createWriteStream(tmp);
  try {
    for await (const chunk of chunks) {
      if (!out.write(chunk)) await once(out, 'drain');
    }
    out.end();
    await once(out, 'finish');
  } catch (err) {
    out.destroy();
    throw err;
  }
  commit(tmp, file, options.durable ?? true);
}
