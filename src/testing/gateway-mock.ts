import net from 'node:net';
import { FrameDecoder, FrameType, encodeJsonFrame, type Frame } from '../protocol/wire/frames.js';
import { decodeBatchFrame, encodeBatchAck, encodeResultFrame, type ResultMeta } from '../protocol/wire/messages.js';
import { decodeBatch } from '../dataset/batch-codec.js';
import { TABLES, tableFromCode } from '../dataset/tables.js';
import { ErrorCode } from '../node/errors.js';

export interface GatewayMockOptions {
  /** Answer ERR_BUSY to this many HELLOs first. */
  busyHellos?: number;
  /** Drop the connection (no ack) when this many BATCH frames arrived on it (once). */
  dropAfterBatches?: number;
  /**
   * On the first connection, ack the first `acked` BATCH frames, then none: once `unacked` more
   * have arrived (the client's full window), drop the connection.
   */
  stallAfterBatches?: { acked: number; unacked: number };
  /** Result messages to deliver once every table is ended. */
  results?: Array<{ meta: ResultMeta; payload: Buffer }>;
  /** Never answer HELLO (a hung gateway that accepted the connection). */
  silentHello?: boolean;
  /**
   * Once every table is ended, hold the results back `ms` (default: for ever), sending KEEPALIVE
   * every `keepaliveMs` meanwhile (default: nothing; a gateway gone silent).
   */
  holdResults?: { ms?: number; keepaliveMs?: number };
  /** After COMPLETE, send the last result and COMPLETE once more (a redelivery, or a resume's re-send). */
  repeatAfterComplete?: boolean;
  /** Answer DONE with BYE after `ms` (a gateway telling its controller first), not at once. */
  byeDelayMs?: number;
  /**
   * What the first connection does on DONE instead of BYE: `drop` the connection (a gateway that
   * died first) or `hang` (say nothing more and keep it: a hung gateway).
   */
  onFirstDone?: 'drop' | 'hang';
  /**
   * Answer a resuming HELLO with SESSION and the results and COMPLETE in one write, so that the
   * client reads them in one chunk, before its connect loop has taken the new connection.
   */
  oneWriteOnResume?: boolean;
}

/**
 * A stand-in gateway for client tests (the seed's `mock/`): speaks the real protocol on a
 * real socket, with no broker behind it. It records what it received per session.
 */
export class GatewayMock {
  private readonly server = net.createServer((s) => this.accept(s));
  private busyLeft: number;
  private dropArmed: boolean;
  readonly hellos: Array<{ resume?: string }> = [];
  /** session -> table -> seq -> rows */
  readonly batches = new Map<string, Map<string, Map<number, number>>>();
  readonly ended = new Map<string, Map<string, number>>();
  readonly delivered = new Set<string>();
  /** Per connection, in order: every BATCH frame that arrived, as [table, seq]. */
  readonly connections: Array<Array<[string, number]>> = [];
  /** Per connection: how many DONE frames arrived on it (the real gateway takes one). */
  readonly dones: number[] = [];
  private nextSession = 1;

  constructor(private readonly options: GatewayMockOptions = {}) {
    this.busyLeft = options.busyHellos ?? 0;
    this.dropArmed = options.dropAfterBatches !== undefined;
  }

  /** Listens on `port` (default: any free one); resolves with `host:port`. */
  listen(port = 0): Promise<string> {
    return new Promise((resolve) =>
      this.server.listen(port, '127.0.0.1', () => resolve(`127.0.0.1:${(this.server.address() as net.AddressInfo).port}`)),
    );
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private accept(socket: net.Socket): void {
    const decoder = new FrameDecoder();
    let session = '';
    let batchesHere = 0;
    const arrived: Array<[string, number]> = [];
    this.connections.push(arrived);
    const connection = this.dones.push(0) - 1;
    const stall = this.connections.length === 1 ? this.options.stallAfterBatches : undefined;
    const send = (parts: Buffer | Buffer[]): void => {
      for (const p of Array.isArray(parts) ? parts : [parts]) socket.write(p);
    };
    const timers: NodeJS.Timeout[] = [];
    socket.on('error', () => undefined);
    socket.on('close', () => timers.forEach((t) => clearTimeout(t)));
    socket.on('data', (chunk) => {
      for (const f of decoder.push(chunk)) {
        if (socket.destroyed) return;
        handle(f);
      }
    });
    const handle = (f: Frame): void => {
      const json = (): Record<string, unknown> => JSON.parse(f.body.toString('utf8')) as Record<string, unknown>;
      switch (f.type) {
        case FrameType.HELLO: {
          const body = json() as { resume?: string };
          this.hellos.push(body);
          if (this.options.silentHello) return;
          if (this.busyLeft > 0) {
            this.busyLeft--;
            socket.end(encodeJsonFrame(FrameType.ERROR, { code: ErrorCode.BUSY, message: 'busy (mock): retry later' }));
            return;
          }
          session = body.resume ?? `00000000-0000-4000-8000-${String(this.nextSession++).padStart(12, '0')}`;
          if (!this.batches.has(session)) this.batches.set(session, new Map());
          if (!this.ended.has(session)) this.ended.set(session, new Map());
          if (this.options.oneWriteOnResume && body.resume !== undefined) {
            const parts: Buffer[] = [encodeJsonFrame(FrameType.SESSION, { session })];
            this.maybeDeliver(session, (p) => parts.push(...(Array.isArray(p) ? p : [p])), timers);
            socket.write(Buffer.concat(parts));
            return;
          }
          send(encodeJsonFrame(FrameType.SESSION, { session }));
          this.maybeDeliver(session, send, timers);
          return;
        }
        case FrameType.BATCH: {
          batchesHere++;
          if (this.dropArmed && batchesHere >= (this.options.dropAfterBatches ?? 0)) {
            this.dropArmed = false;
            socket.destroy();
            return;
          }
          const { tableCode, seq, payload } = decodeBatchFrame(f);
          const table = tableFromCode(tableCode)!;
          arrived.push([table, seq]);
          const byTable = this.batches.get(session)!;
          if (!byTable.has(table)) byTable.set(table, new Map());
          byTable.get(table)!.set(seq, decodeBatch(payload).count);
          if (stall && batchesHere > stall.acked) {
            if (batchesHere === stall.acked + stall.unacked) socket.destroy();
            return;
          }
          send(encodeBatchAck(tableCode, seq));
          return;
        }
        case FrameType.TABLE_END: {
          const { table, batches } = json() as { table: string; batches: number };
          this.ended.get(session)!.set(table, batches);
          send(encodeJsonFrame(FrameType.TABLE_END_ACK, { table }));
          this.maybeDeliver(session, send, timers);
          return;
        }
        case FrameType.RESULT_ACK:
          return;
        case FrameType.DONE: {
          if (++this.dones[connection] > 1) {
            socket.end(encodeJsonFrame(FrameType.ERROR, { code: ErrorCode.FRAME_UNEXPECTED, message: 'mock: DONE not allowed now' }));
            return;
          }
          if (connection === 0 && this.options.onFirstDone !== undefined) {
            if (this.options.onFirstDone === 'drop') socket.destroy();
            return;
          }
          this.delivered.add(session);
          const bye = (): void => void socket.end(encodeJsonFrame(FrameType.BYE, {}));
          if (this.options.byeDelayMs === undefined) bye();
          else timers.push(setTimeout(bye, this.options.byeDelayMs));
          return;
        }
        default:
          socket.end(encodeJsonFrame(FrameType.ERROR, { code: ErrorCode.FRAME_UNEXPECTED, message: 'mock: unexpected frame' }));
      }
    };
  }

  private maybeDeliver(session: string, send: (parts: Buffer | Buffer[]) => void, timers: NodeJS.Timeout[]): void {
    if (this.ended.get(session)!.size < TABLES.length) return;
    const results = this.options.results ?? [];
    const deliver = (): void => {
      for (const r of results) send(encodeResultFrame(r.meta, r.payload));
      send(encodeJsonFrame(FrameType.COMPLETE, { results: results.length }));
      const last = results.at(-1);
      if (this.options.repeatAfterComplete && last) {
        send(encodeResultFrame(last.meta, last.payload));
        send(encodeJsonFrame(FrameType.COMPLETE, { results: results.length }));
      }
    };
    const hold = this.options.holdResults;
    if (!hold) return deliver();
    if (hold.keepaliveMs !== undefined) timers.push(setInterval(() => send(encodeJsonFrame(FrameType.KEEPALIVE, {})), hold.keepaliveMs));
    if (hold.ms !== undefined)
      timers.push(
        setTimeout(() => {
          timers.forEach((t) => clearTimeout(t));
          deliver();
        }, hold.ms),
      );
  }
}
