import path from 'node:path';
import { WriteAheadLog } from './wal.js';

/**
 * Sessions this node has finished and cleaned up. A message of such a session that arrives
 * late (a redelivery after a crash) is dropped instead of resurrecting its state.
 */
export class Tombstones {
  private readonly ids = new Set<string>();
  private readonly log: WriteAheadLog;

  constructor(dir: string) {
    this.log = new WriteAheadLog(path.join(dir, 'finished-sessions.log'));
    this.reload();
  }

  /** Re-reads the list from disk (after another process of this node may have written it). */
  reload(): void {
    this.log.close();
    this.ids.clear();
    for (const rec of this.log.readAll()) this.ids.add(rec.toString('utf8'));
  }

  has(session: string): boolean {
    return this.ids.has(session);
  }

  async add(session: string): Promise<void> {
    if (this.ids.has(session)) return;
    this.ids.add(session);
    await this.log.append(Buffer.from(session, 'utf8'));
  }
}
