import { readdirSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import type { InMessage } from '../../node/middleware/broker.js';
import type { BrokerPort } from '../../node/middleware/port.js';
import type { Topology } from '../../node/middleware/topology.js';
import type { WorkerKind } from '../../node/config/cluster.js';
import type { Logger } from '../../node/log.js';
import { CounterReporter } from '../../node/counters-reporter.js';
import { eosEntryId } from '../../protocol/internal/ids.js';
import { WriteAheadLog } from '../../node/storage/wal.js';
import { Tombstones } from '../../node/storage/tombstones.js';
import { isSessionId } from '../../protocol/wire/session-id.js';
import { consumeExclusively } from '../../node/middleware/exclusive-consumer.js';
import { countByStage, type Emit } from './emit.js';
import type { WorkerConfig } from './config.js';
import { metricsIfEnabled } from '../../node/metrics.js';
import { ErrorCode, PoisonInputError, isDiskFull } from '../../node/errors.js';
import { reportSessionFault } from '../../node/session-fault.js';
import { exceededQuota, quotaMessage, stageQuotas, type QuotaExceeded, type StageQuotas, type StateUsage } from './quotas.js';

/** What a partitioned (stateful) stage computes; the runtime handles durability and EOS. */
export interface PartitionedLogic<S> {
  newState(): S;
  /** Folds one input message into the session state. Must be deterministic. */
  apply(state: S, msg: AppliedMessage, ctx: PartitionContext): void;
  /** The session's outputs once every input has arrived (called on EOS; may be called again). */
  finalize(state: S, ctx: PartitionContext): Emit[];
  /** What the state holds, for the per-session quotas (quotas.ts); O(1). */
  usage(state: S): StateUsage;
}

/** Which session, and which partition of the stage this replica owns. */
export interface PartitionContext {
  readonly session: string;
  readonly partition: number;
}

export interface AppliedMessage {
  type: string;
  id: string;
  body: Buffer;
}

interface SessionSlot<S> {
  ctx: PartitionContext;
  state: S;
  applied: Set<string>;
  wal: WriteAheadLog;
  /** Bytes of the session's log (records and their headers), for the log_bytes quota. */
  logBytes: number;
}

/** Bytes a log record takes besides its own: u32 length + u32 crc32 (wal.ts). */
const WAL_RECORD_OVERHEAD = 8;

/**
 * A partitioned stage: replica p consumes `<stage>.<p>` and owns that shard of every session.
 * Per data message: skip if already applied (redelivery), else fold it in and append it to the
 * session's write-ahead log (group-committed, fsynced); then report to the controller; then
 * ack. On start, every session's log is replayed. On `eos` the session's outputs are published
 * and reported; on `cleanup` the session's state and files are deleted and the session is
 * remembered as finished, so late redeliveries are dropped.
 */
export class PartitionedWorker<S> {
  private readonly sessions = new Map<string, SessionSlot<S>>();
  private readonly sessionsDir: string;
  private readonly tombstones: Tombstones;
  private readonly reporter: CounterReporter;
  /**
   * Sessions this process gave up because their state could not be stored (full disk): their
   * files are deleted and later messages dropped until the controller's cleanup tombstones them
   * (memory only: after a restart the session simply starts from nothing and is cleaned up).
   */
  private readonly failed = new Set<string>();
  private readonly quotas: StageQuotas;
  /** Sessions given up while a log was replayed (over a quota), whose controller is still to be told. */
  private readonly unreported: Array<{ session: string; exceeded: QuotaExceeded }> = [];

  constructor(
    private readonly opts: {
      stage: WorkerKind;
      partition: number;
      nodeId: string;
      broker: BrokerPort;
      topology: Topology;
      config: WorkerConfig;
      log: Logger;
      stateDir: string;
      logic: PartitionedLogic<S>;
    },
  ) {
    this.sessionsDir = path.join(opts.stateDir, 'sessions');
    mkdirSync(this.sessionsDir, { recursive: true });
    this.tombstones = new Tombstones(opts.stateDir);
    this.reporter = new CounterReporter(opts.broker, opts.topology, opts.stage, opts.nodeId);
    this.quotas = stageQuotas(opts.stage, opts.config);
  }

  /**
   * Starts consuming as the partition's only consumer, and (re)loads the state from disk each
   * time the consumer becomes ready: only then is this process sure no other process of the
   * same node appends to these logs. Messages wait for the load.
   */
  start(): void {
    const { broker, topology, stage, partition, config, log } = this.opts;
    consumeExclusively(
      broker,
      { queue: topology.stageQueue(stage, partition), prefetch: config.partitioned.prefetch, concurrency: config.partitioned.concurrency },
      () => {
        log.info({ partition, sessions: this.recover() }, 'state loaded; consuming');
        void this.reportGivenUp();
      },
      (msg) => this.handle(msg),
    );
  }

  /**
   * Replays every session log from disk, replacing what is in memory. A session whose replay goes
   * over a quota (the quotas were lowered, or an earlier process died of memory before its check)
   * is given up as in `apply`, so a restart never grows past the quotas nor loops on one session.
   */
  recover(): number {
    for (const slot of this.sessions.values()) slot.wal.close();
    this.sessions.clear();
    this.tombstones.reload();
    let n = 0;
    for (const name of readdirSync(this.sessionsDir)) {
      const session = name.replace(/\.wal$/, '');
      if (!name.endsWith('.wal') || !isSessionId(session)) continue;
      if (this.tombstones.has(session)) {
        new WriteAheadLog(path.join(this.sessionsDir, name)).destroy();
        continue;
      }
      const slot = this.slot(session);
      let exceeded: QuotaExceeded | null = null;
      // Record by record (1 MiB reads): the log is never held whole in memory.
      for (const rec of slot.wal.records()) {
        slot.logBytes += rec.length + WAL_RECORD_OVERHEAD;
        const msg = decodeRecord(rec);
        if (slot.applied.has(msg.id)) continue;
        this.opts.logic.apply(slot.state, msg, slot.ctx);
        slot.applied.add(msg.id);
        exceeded = exceededQuota(this.quotas, this.opts.logic.usage(slot.state), slot.logBytes);
        if (exceeded) break;
      }
      if (exceeded) {
        this.giveUp(session, exceeded);
        this.unreported.push({ session, exceeded });
        continue;
      }
      n++;
    }
    return n;
  }

  private async handle(msg: InMessage): Promise<void> {
    const session = msg.session;
    if (!isSessionId(session)) {
      this.opts.log.error({ id: msg.id }, 'dropping message without a valid session id');
      return;
    }
    if (this.tombstones.has(session)) return;
    if (this.failed.has(session) && msg.type !== 'cleanup') return;
    switch (msg.type) {
      case 'cleanup':
        return this.cleanup(session);
      case 'eos':
        return this.finalize(session);
      default:
        return this.apply(session, msg);
    }
  }

  private async apply(session: string, msg: InMessage): Promise<void> {
    const known = this.sessions.has(session);
    const slot = this.slot(session);
    if (!slot.applied.has(msg.id)) {
      try {
        this.opts.logic.apply(slot.state, msg, slot.ctx);
      } catch (err) {
        // A message no honest stage sends. Dropped, it would leave the session's counts off (its
        // EOS never comes, or comes early) or its report silently short; so it is poison: thrown,
        // retried a bounded number of times, then dead-lettered, and the session is failed with
        // ERR_POISON_MESSAGE (node-broker.ts). A session this node had never seen keeps no slot.
        if (!known) this.sessions.delete(session);
        throw new PoisonInputError(`undecodable ${msg.type} message ${msg.id}: ${(err as Error).message ?? String(err)}`);
      }
      slot.applied.add(msg.id);
      const record = encodeRecord(msg);
      slot.logBytes += record.length + WAL_RECORD_OVERHEAD;
      // Checked before the record is logged: a session over quota leaves nothing to replay.
      const exceeded = exceededQuota(this.quotas, this.opts.logic.usage(slot.state), slot.logBytes);
      if (exceeded) return this.overQuota(session, exceeded);
      try {
        await slot.wal.append(record);
      } catch (err) {
        if (isDiskFull(err)) return this.storageFull(session, err);
        // Memory and disk disagree now: restart from the log rather than carry on.
        this.opts.log.fatal({ err: String(err) }, 'cannot persist state; exiting so the Egg of Life restarts this node from its log');
        process.exit(1);
      }
    } else metricsIfEnabled()?.dedupDropped.inc();
    await this.reporter.report(session, msg.id, {});
  }

  /**
   * The state folder is full. Restarting cannot help (the log would fail again, in a loop), so
   * the session is given up here: its files are deleted at once (which frees space for the
   * others), its controller is told, and it fails the session with this cause to its client.
   */
  private async storageFull(session: string, err: unknown): Promise<void> {
    const slot = this.sessions.get(session);
    this.sessions.delete(session);
    this.failed.add(session);
    slot?.wal.destroy();
    this.opts.log.error({ code: ErrorCode.STORAGE_FULL, session, err: String(err) }, 'state folder full: failing the session');
    await reportSessionFault(this.opts.broker, this.opts.topology, this.opts.nodeId, {
      session,
      code: ErrorCode.STORAGE_FULL,
      message: `the disk holding this node's state (${this.opts.stateDir}) is full; the session was failed and its partial state deleted. Free space there (or give the node a bigger volume), then run the session again`,
    });
  }

  /** Drops a session's state and files here; its later messages are dropped until the cleanup. */
  private giveUp(session: string, exceeded: QuotaExceeded): void {
    const slot = this.sessions.get(session);
    this.sessions.delete(session);
    this.failed.add(session);
    slot?.wal.destroy();
    this.opts.log.error(
      { code: ErrorCode.QUOTA, session, quota: `quotas.${exceeded.key}`, limit: exceeded.limit, used: exceeded.used },
      'session over quota: failing it',
    );
  }

  /**
   * The session went over a per-session quota: it is given up here (memory and files freed at
   * once), its controller is told, and it fails the session with ERR_QUOTA to its client only.
   * The message is acked: redelivering it could only go over the quota again.
   */
  private async overQuota(session: string, exceeded: QuotaExceeded): Promise<void> {
    this.giveUp(session, exceeded);
    await this.reportQuota(session, exceeded);
  }

  private reportQuota(session: string, exceeded: QuotaExceeded): Promise<void> {
    return reportSessionFault(this.opts.broker, this.opts.topology, this.opts.nodeId, {
      session,
      code: ErrorCode.QUOTA,
      message: quotaMessage(exceeded),
    });
  }

  /** Tells the controllers of the sessions the last replay gave up (after the load, off the replay's path). */
  private async reportGivenUp(): Promise<void> {
    for (const { session, exceeded } of this.unreported.splice(0))
      await this.reportQuota(session, exceeded).catch((err: unknown) =>
        this.opts.log.error({ err: String(err), session }, 'could not report a session over quota; it ends by its idle timeout'),
      );
  }

  private async finalize(session: string): Promise<void> {
    const slot = this.slot(session);
    const emits = this.opts.logic.finalize(slot.state, slot.ctx);
    await this.opts.broker.publishAll(emits);
    await this.reporter.report(session, eosEntryId(this.opts.partition), countByStage(emits));
  }

  private async cleanup(session: string): Promise<void> {
    const slot = this.sessions.get(session);
    await this.tombstones.add(session);
    this.failed.delete(session);
    if (slot) slot.wal.destroy();
    else new WriteAheadLog(this.walFile(session)).destroy();
    this.sessions.delete(session);
  }

  private slot(session: string): SessionSlot<S> {
    let slot = this.sessions.get(session);
    if (!slot) {
      slot = {
        ctx: { session, partition: this.opts.partition },
        state: this.opts.logic.newState(),
        applied: new Set(),
        wal: new WriteAheadLog(this.walFile(session)),
        logBytes: 0,
      };
      this.sessions.set(session, slot);
    }
    return slot;
  }

  private walFile(session: string): string {
    return path.join(this.sessionsDir, `${session}.wal`);
  }
}

/** Log record: u16 id length | id | u8 type length | type | body. */
function encodeRecord(msg: AppliedMessage): Buffer {
  const id = Buffer.from(msg.id, 'utf8');
  const type = Buffer.from(msg.type, 'utf8');
  const head = Buffer.allocUnsafe(3 + id.length + type.length);
  head.writeUInt16LE(id.length, 0);
  id.copy(head, 2);
  head[2 + id.length] = type.length;
  type.copy(head, 3 + id.length);
  return Buffer.concat([head, msg.body]);
}

function decodeRecord(rec: Buffer): AppliedMessage {
  const idLen = rec.readUInt16LE(0);
  const id = rec.toString('utf8', 2, 2 + idLen);
  const typeLen = rec[2 + idLen];
  const type = rec.toString('utf8', 3 + idLen, 3 + idLen + typeLen);
  return { id, type, body: rec.subarray(3 + idLen + typeLen) };
}
