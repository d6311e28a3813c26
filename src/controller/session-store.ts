import { mkdirSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { WriteAheadLog } from '../node/storage/wal.js';
import { Tombstones } from '../node/storage/tombstones.js';
import { isSessionId } from '../protocol/wire/session-id.js';
import type { CounterReport } from '../protocol/internal/counters.js';
import type { WorkerKind } from '../node/config/cluster.js';
import type { ErrorCode } from '../node/errors.js';

/** One record of a session's log: how the controller's view of it changed. */
/** `open.t`: SHA-256 of the session's resume token (absent in logs written before tokens). */
/** `failed`: the session was failed (a node's fault, or expiry) with what its client is told. */
export type SessionRecord =
  | { k: 'open'; t?: string }
  | { k: 'counter'; r: CounterReport }
  | { k: 'eos'; stage: WorkerKind }
  | { k: 'complete' }
  | { k: 'failed'; code: ErrorCode; message: string };

/**
 * The controller's durable state: one append-only log per session (`sessions/<id>.wal`),
 * replayed on start, plus the list of finished sessions. Counter messages are acked only
 * after their record is on disk.
 */
export class SessionStore {
  /** The folder of the session logs (named in errors). */
  readonly dir: string;
  private readonly logs = new Map<string, WriteAheadLog>();
  readonly finished: Tombstones;

  constructor(stateDir: string) {
    this.dir = path.join(stateDir, 'sessions');
    mkdirSync(this.dir, { recursive: true });
    this.finished = new Tombstones(stateDir);
  }

  /** Every unfinished session on disk with its records, in order (re-read from scratch). */
  load(): Map<string, SessionRecord[]> {
    for (const log of this.logs.values()) log.close();
    this.logs.clear();
    this.finished.reload();
    const out = new Map<string, SessionRecord[]>();
    for (const name of readdirSync(this.dir)) {
      const session = name.replace(/\.wal$/, '');
      if (!name.endsWith('.wal') || !isSessionId(session)) continue;
      const log = this.log(session);
      if (this.finished.has(session)) {
        log.destroy();
        this.logs.delete(session);
        continue;
      }
      out.set(
        session,
        log.readAll().map((b) => JSON.parse(b.toString('utf8')) as SessionRecord),
      );
    }
    return out;
  }

  append(session: string, rec: SessionRecord): Promise<void> {
    return this.log(session).append(Buffer.from(JSON.stringify(rec), 'utf8'));
  }

  async finish(session: string): Promise<void> {
    await this.finished.add(session);
    this.log(session).destroy();
    this.logs.delete(session);
  }

  private log(session: string): WriteAheadLog {
    let log = this.logs.get(session);
    if (!log) {
      log = new WriteAheadLog(path.join(this.dir, `${session}.wal`));
      this.logs.set(session, log);
    }
    return log;
  }
}
