import path from 'node:path';
import { closeSync, fsyncSync, openSync, renameSync, rmSync } from 'node:fs';
import { WriteAheadLog } from './wal.js';

/** Finished sessions remembered by default: far more than can have messages still in flight. */
export const DEFAULT_TOMBSTONE_RETENTION = 10_000;

/**
 * Sessions this node has finished and cleaned up. A message of such a session that arrives
 * late (a redelivery after a crash) is dropped instead of resurrecting its state.
 *
 * Retention is bounded (issue 9, finding 16): once the log holds twice `retain` sessions it is
 * rewritten with the newest `retain` (a new file renamed over the old one), so a long-lived node,
 * or a client opening and aborting sessions in a loop, cannot grow it and every reload without
 * end. A redelivery of a session that many sessions old cannot happen: its queues are gone.
 */
export class Tombstones {
  private ids = new Set<string>();
  private log: WriteAheadLog;
  private readonly file: string;
  private compacting: Promise<void> = Promise.resolve();
  private compactQueued = false;
  private readonly pending = new Set<Promise<void>>();

  constructor(
    dir: string,
    private readonly retain = DEFAULT_TOMBSTONE_RETENTION,
  ) {
    this.file = path.join(dir, 'finished-sessions.log');
    this.log = new WriteAheadLog(this.file);
    this.reload();
  }

  /** Re-reads the list from disk (after another process of this node may have written it). */
  reload(): void {
    this.log.close();
    this.log = new WriteAheadLog(this.file);
    this.ids.clear();
    for (const rec of this.log.readAll()) this.ids.add(rec.toString('utf8'));
  }

  has(session: string): boolean {
    return this.ids.has(session);
  }

  get size(): number {
    return this.ids.size;
  }

  add(session: string): Promise<void> {
    if (this.ids.has(session)) return Promise.resolve();
    // Appends wait for a compaction in progress (it swaps the file); a compaction waits for them.
    // The session counts as finished only once that is on disk (finding 5): were it marked in
    // memory first, a failed write (full disk) followed by a redelivered cleanup would be acked
    // as done, and its state restored from the log on every later restart.
    const appended = this.compacting.then(() => this.log.append(Buffer.from(session, 'utf8'))).then(() => void this.ids.add(session));
    this.pending.add(appended);
    const settled = (): void => void this.pending.delete(appended);
    appended.then(settled, settled);
    return appended.then(async () => {
      if (this.ids.size >= 2 * this.retain && !this.compactQueued) {
        this.compactQueued = true;
        this.compacting = Promise.all(this.pending).then(() => this.compact());
        try {
          await this.compacting;
        } finally {
          this.compactQueued = false;
        }
      }
    });
  }

  /** Rewrites the log with the newest `retain` sessions: written and synced aside, then renamed. */
  private async compact(): Promise<void> {
    const keep = [...this.ids].slice(-this.retain);
    const aside = `${this.file}.compact`;
    rmSync(aside, { force: true });
    const next = new WriteAheadLog(aside);
    next.readAll();
    await Promise.all(keep.map((id) => next.append(Buffer.from(id, 'utf8'))));
    next.close();
    this.log.close();
    renameSync(aside, this.file);
    // The rename itself must survive a power loss.
    const dirFd = openSync(path.dirname(this.file), 'r');
    try {
      fsyncSync(dirFd);
    } finally {
      closeSync(dirFd);
    }
    this.ids = new Set(keep);
    this.log = new WriteAheadLog(this.file);
    this.log.readAll();
  }
}
