import { FrameType, encodeJsonFrame } from '../protocol/wire/frames.js';
import { encodeBatchFrame } from '../protocol/wire/messages.js';
import { TABLE_CODES, tableFromCode, type TableName } from '../dataset/tables.js';
import type { Link } from './link.js';

/**
 * A batch's place in the upload as one number: table code above, sequence number below
 * (sequence numbers are below 2^31), so numeric order is table order, then sequence order.
 */
function batchKey(tableCode: number, seq: number): number {
  return tableCode * 2 ** 32 + seq;
}

/**
 * The upload side of a session: batches sent but not yet acknowledged (at most `window`),
 * tables ended but not yet acknowledged, and re-sending exactly those on a resumed session.
 * It sends on whatever link the session has now; without one (while resuming) it only records.
 */
export class Uploader {
  private link: Link | undefined;
  private readonly inflight = new Map<number, Buffer[]>();
  private readonly pendingEnds = new Map<TableName, number>();
  /** Callers waiting for room, first come first served (the client uploads two tables at once with a reader process). */
  private readonly spaceWaiters: Array<() => void> = [];
  /** Room handed to a caller by space() that its send() has not taken yet. */
  private reserved = 0;
  /** Batches acknowledged so far (each once). */
  acked = 0;

  constructor(
    private readonly window: number,
    private readonly sendEachBatchTwice: boolean,
  ) {}

  /** Batches sent and not yet acknowledged. */
  get unacked(): number {
    return this.inflight.size;
  }

  /** Resolves when one more batch fits in the window, keeping that room for the caller's next send(). */
  space(): Promise<void> {
    if (this.spaceWaiters.length === 0 && this.inflight.size + this.reserved < this.window) {
      this.reserved++;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      this.spaceWaiters.push(resolve);
      this.wakeIfSpace();
    });
  }

  /** Sends one batch (the caller waited for space); resolves once the link has taken it. */
  async send(table: TableName, seq: number, payload: Buffer): Promise<void> {
    const frame = encodeBatchFrame(TABLE_CODES[table], seq, payload);
    if (this.reserved > 0) this.reserved--;
    this.inflight.set(batchKey(TABLE_CODES[table], seq), frame);
    const link = this.link;
    if (!link) return;
    link.send(frame);
    if (this.sendEachBatchTwice) link.send(frame);
    await link.drained();
  }

  /** The table's last batch was `batches - 1`. */
  endTable(table: TableName, batches: number): void {
    this.pendingEnds.set(table, batches);
    this.link?.send(encodeJsonFrame(FrameType.TABLE_END, { table, batches }));
  }

  /** A BATCH_ACK: returns the batch's table if it was still un-acknowledged (a repeated ack returns undefined). */
  batchAcked(tableCode: number, seq: number): TableName | undefined {
    const first = this.inflight.delete(batchKey(tableCode, seq));
    if (first) this.acked++;
    this.wakeIfSpace();
    return first ? tableFromCode(tableCode) : undefined;
  }

  tableEndAcked(table: TableName): void {
    this.pendingEnds.delete(table);
  }

  /** The link is gone: record only, until a session is resumed on a new one. */
  detach(): void {
    this.link = undefined;
  }

  /** Sends on `link` from now on. */
  attach(link: Link): void {
    this.link = link;
  }

  /**
   * The session was resumed on the attached link: re-send every un-acknowledged batch in table
   * and sequence order, then every un-acknowledged TABLE_END. The system drops what it already had.
   */
  resend(): void {
    const link = this.link;
    if (!link) return;
    for (const key of [...this.inflight.keys()].sort((a, b) => a - b)) link.send(this.inflight.get(key)!);
    for (const [table, batches] of this.pendingEnds) link.send(encodeJsonFrame(FrameType.TABLE_END, { table, batches }));
    this.wakeIfSpace();
  }

  private wakeIfSpace(): void {
    while (this.spaceWaiters.length > 0 && this.inflight.size + this.reserved < this.window) {
      this.reserved++;
      this.spaceWaiters.shift()!();
    }
  }
}
