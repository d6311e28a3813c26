import { existsSync, statSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { FrameType, encodeJsonFrame, type Frame } from '../protocol/wire/frames.js';
import {
  PROTOCOL_VERSION,
  decodeBatchAck,
  decodeComplete,
  decodeErrorBody,
  decodeResultFrame,
  decodeSessionAccepted,
  decodeTableEndAck,
  encodeBatchFrame,
} from '../protocol/wire/messages.js';
import { CoffeeError, NoGatewayError, UsageError, BusyError, ErrorCode, isRetryable } from '../node/errors.js';
import { TABLES, TABLE_CODES, type TableName } from '../dataset/tables.js';
import { readTableBatches, validateDataset } from '../dataset/reader.js';
import { Link, shuffled } from './link.js';
import { ResultCollector } from './results.js';
import { writeCollectedReports } from './report-writer.js';
import { RejectsFile } from './rejects.js';
import { UploadProgress } from './progress.js';
import { CLIENT_DEFAULTS, type ClientOptions, type ClientSummary } from './options.js';

interface Deferred<T> {
  promise: Promise<T>;
  resolve(v: T): void;
  reject(e: unknown): void;
}
function deferred<T>(): Deferred<T> {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

/**
 * One client run: open a session on a random gateway, stream the tables (reference tables
 * first) as batches with a window of un-acked batches, receive the reports, write them.
 * If the gateway goes away, reconnect to any gateway and resume the same session: re-send
 * the un-acked batches (the system drops duplicates by id) and keep collecting results.
 */
export class CoffeeClient {
  private link: Link | undefined;
  private pending: Link | undefined;
  private session: string | undefined;
  private readonly window: number;
  private readonly inflight = new Map<string, Buffer[]>();
  private readonly pendingEnds = new Map<TableName, number>();
  private windowWaiter: Deferred<void> | undefined;
  private readonly finished = deferred<void>();
  private hello: Deferred<string> | undefined;
  private awaitingHello = false;
  private expectedResults: number | null = null;
  private reportsWritten = false;
  private doneSent = false;
  private reconnecting = false;
  private failed = false;
  reconnects = 0;
  private acked = 0;
  private readonly collector: ResultCollector;

  constructor(private readonly opts: ClientOptions) {
    this.window = opts.window ?? CLIENT_DEFAULTS.window;
    this.collector = new ResultCollector(path.join(opts.out, `.spool-${process.pid}-${Date.now()}`));
    // The run's outcome is awaited in run(); a failure before then must not be unhandled.
    this.finished.promise.catch(() => undefined);
  }

  async run(): Promise<ClientSummary> {
    const started = process.hrtime.bigint();
    const files = await validateDataset(this.opts.data);
    const totalBytes = Object.values(files)
      .flat()
      .reduce((a, f) => a + f.size, 0);
    const rejects = new RejectsFile(this.opts.out);
    const progress = new UploadProgress(totalBytes, this.opts.progress ?? process.stderr.isTTY === true);
    const rows: Record<string, number> = {};
    let inputBytes = 0;
    try {
      this.session = await this.connect(undefined);
      for (const table of TABLES) {
        let seq = 0;
        rows[table] = 0;
        for await (const b of readTableBatches(this.opts.data, table, {
          maxBatchBytes: this.opts.maxBatchBytes ?? CLIENT_DEFAULTS.maxBatchBytes,
        })) {
          rejects.add(b.rejects);
          inputBytes += b.inputBytes;
          progress.update(b.inputBytes, table, rejects.count);
          if (b.rows === 0) continue;
          rows[table] += b.rows;
          await this.windowSpace();
          const frame = encodeBatchFrame(TABLE_CODES[table], seq, b.payload);
          this.inflight.set(`${TABLE_CODES[table]}:${seq}`, frame);
          this.link?.send(frame);
          if (this.opts.sendEachBatchTwice) this.link?.send(frame);
          seq++;
          if (this.link) await this.link.drained();
        }
        this.pendingEnds.set(table, seq);
        this.link?.send(encodeJsonFrame(FrameType.TABLE_END, { table, batches: seq }));
      }
      progress.stop();
      this.opts.onEvent?.({ type: 'uploaded' });
      await this.finished.promise;
    } finally {
      progress.stop();
      this.link?.close();
      this.collector.dispose();
    }
    const rejectsFile = await rejects.close();
    return {
      session: this.session,
      rows,
      rejected: rejects.count,
      rejectsFile,
      inputBytes,
      seconds: Number(process.hrtime.bigint() - started) / 1e9,
      reconnects: this.reconnects,
    };
  }

  private windowSpace(): Promise<void> {
    if (this.failed) return this.finished.promise;
    if (this.inflight.size < this.window) return Promise.resolve();
    this.windowWaiter = deferred<void>();
    return Promise.race([this.windowWaiter.promise, this.finished.promise]);
  }

  /** Connects to some gateway and opens (or resumes) the session; retries within retryForMs. */
  private async connect(resume: string | undefined): Promise<string> {
    const deadline = Date.now() + (this.opts.retryForMs ?? CLIENT_DEFAULTS.retryForMs);
    let delay = 200;
    let lastBusy: CoffeeError | undefined;
    for (;;) {
      for (const address of shuffled(this.opts.gateways)) {
        let link: Link;
        try {
          link = await Link.connect(address);
        } catch {
          continue;
        }
        // The link becomes the client's link only once the session is open on it: until then
        // the upload must not use it (the gateway takes no batch before the session).
        this.pending = link;
        this.hello = deferred<string>();
        link.listen(
          (f) => this.onFrame(f),
          (reason) => this.onLinkClosed(link, reason),
        );
        link.send(encodeJsonFrame(FrameType.HELLO, resume ? { version: PROTOCOL_VERSION, resume } : { version: PROTOCOL_VERSION }));
        this.awaitingHello = true;
        try {
          const session = await this.hello.promise;
          this.link = link;
          this.opts.onEvent?.({ type: 'connected', address, session, resumed: resume !== undefined });
          return session;
        } catch (err) {
          link.close();
          if (err instanceof CoffeeError && err.code === ErrorCode.SESSION_FINISHED && this.reportsWritten) return resume!;
          // Whether to try again is the catalogue's call (errors.ts RETRYABLE), not a list here.
          if (isRetryable(err)) {
            if (err instanceof CoffeeError && err.code === ErrorCode.BUSY) {
              lastBusy = err;
              this.opts.onNotice?.(`system busy, retrying: ${err.message}`);
            }
            continue;
          }
          throw err;
        } finally {
          this.awaitingHello = false;
          this.pending = undefined;
        }
      }
      if (Date.now() > deadline) throw lastBusy ? new BusyError(lastBusy.message) : new NoGatewayError(this.opts.gateways);
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(delay * 2, 2000);
    }
  }

  private onFrame(f: Frame): void {
    try {
      switch (f.type) {
        case FrameType.SESSION: {
          this.hello?.resolve(decodeSessionAccepted(f).session);
          return;
        }
        case FrameType.BATCH_ACK: {
          const { tableCode, seq } = decodeBatchAck(f);
          if (this.inflight.delete(`${tableCode}:${seq}`))
            this.opts.onEvent?.({ type: 'batch-acked', table: String(tableCode), seq, acked: ++this.acked });
          if (this.windowWaiter && this.inflight.size < this.window) this.windowWaiter.resolve();
          return;
        }
        case FrameType.TABLE_END_ACK:
          this.pendingEnds.delete(decodeTableEndAck(f).table as TableName);
          return;
        case FrameType.RESULT: {
          const { meta, payload } = decodeResultFrame(f);
          this.collector.add(meta, payload);
          this.link?.send(encodeJsonFrame(FrameType.RESULT_ACK, { id: meta.id }));
          void this.maybeFinish();
          return;
        }
        case FrameType.COMPLETE: {
          this.expectedResults = decodeComplete(f).results;
          void this.maybeFinish();
          return;
        }
        case FrameType.BYE:
          if (this.doneSent) this.finished.resolve();
          return;
        case FrameType.ERROR: {
          const body = decodeErrorBody(f);
          const err = new CoffeeError(body.code, `gateway: ${body.message}`);
          if (this.awaitingHello) this.hello?.reject(err);
          else this.fail(err);
          return;
        }
        default:
          return;
      }
    } catch (err) {
      this.fail(err);
    }
  }

  private async maybeFinish(): Promise<void> {
    if (this.expectedResults === null || this.collector.count < this.expectedResults) return;
    if (!this.reportsWritten) {
      this.reportsWritten = true;
      try {
        await writeCollectedReports(this.collector, this.opts.out);
      } catch (err) {
        this.fail(err);
        return;
      }
    }
    this.doneSent = true;
    this.link?.send(encodeJsonFrame(FrameType.DONE, {}));
  }

  private fail(err: unknown): void {
    this.failed = true;
    this.finished.reject(err);
    this.link?.close();
  }

  private onLinkClosed(link: Link, reason?: Error): void {
    if (link === this.pending) {
      this.hello?.reject(new CoffeeError(ErrorCode.LINK, `connection to ${link.address} lost${reason ? `: ${reason.message}` : ''}`));
      return;
    }
    if (link !== this.link) return;
    if (this.failed || !this.session) return;
    if (this.doneSent && this.reportsWritten) {
      // BYE may have been lost with the connection; the reports are written either way.
      this.finished.resolve();
      return;
    }
    void this.reconnect();
  }

  /** Resumes the session on any gateway and re-sends what it had not acknowledged. */
  private async reconnect(): Promise<void> {
    if (this.reconnecting) return;
    this.reconnecting = true;
    this.link = undefined;
    this.reconnects++;
    this.opts.onNotice?.(`gateway connection lost; resuming session ${this.session} on another gateway`);
    try {
      await this.connect(this.session);
      const keys = [...this.inflight.keys()].sort((a, b) => {
        const [ta, sa] = a.split(':').map(Number);
        const [tb, sb] = b.split(':').map(Number);
        return ta - tb || sa - sb;
      });
      const link = this.link as Link | undefined;
      for (const k of keys) link?.send(this.inflight.get(k)!);
      for (const [table, batches] of this.pendingEnds) link?.send(encodeJsonFrame(FrameType.TABLE_END, { table, batches }));
      if (this.windowWaiter && this.inflight.size < this.window) this.windowWaiter.resolve();
    } catch (err) {
      this.fail(err);
    } finally {
      this.reconnecting = false;
    }
  }
}

/** Validates the folders, runs one client, returns its summary. */
export async function runClient(opts: ClientOptions): Promise<ClientSummary> {
  if (!existsSync(opts.data) || !statSync(opts.data).isDirectory())
    throw new UsageError(`dataset folder ${opts.data} does not exist (make one with \`npx coffee-analysis generate --out ${opts.data}\`)`);
  if (opts.gateways.length === 0) throw new UsageError('no gateway given (--gateways host:port,...)');
  mkdirSync(opts.out, { recursive: true });
  return new CoffeeClient(opts).run();
}
