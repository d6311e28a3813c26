import { existsSync, statSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { FrameType, encodeJsonFrame, type Frame } from '../protocol/wire/frames.js';
import {
  PROTOCOL_VERSION,
  MAX_BATCH_PAYLOAD_BYTES,
  decodeBatchAck,
  decodeComplete,
  decodeErrorBody,
  decodeResultFrame,
  decodeSessionAccepted,
  decodeTableEndAck,
} from '../protocol/wire/messages.js';
import { CoffeeError, NoGatewayError, UsageError, BusyError, ErrorCode, isRetryable } from '../node/errors.js';
import { TABLES, isTableName, type TableName } from '../dataset/tables.js';
import { readTableBatches, validateDataset, type TableBatch } from '../dataset/reader.js';
import { readTableInProcess, readerPlan, type ReaderPlan } from './reader-process.js';
import { Link, loadCa, shuffled } from './link.js';
import { ResultCollector } from './results.js';
import { writeCollectedReports } from './report-writer.js';
import { RejectsFile } from './rejects.js';
import { UploadProgress } from './progress.js';
import {
  resolveClientOptions,
  type ClientOptions,
  type ClientResources,
  type ClientSummary,
  type ResolvedClientOptions,
} from './options.js';
import { Uploader } from './uploader.js';
import { writeHtmlReport } from '../queries/report-html.js';
import { InactivityWatch } from './inactivity.js';
import { preloadChartLibraries } from '../queries/report-charts.js';

/** Pause before trying again when every gateway refused the connection (nothing listening yet). */
const REFUSED_RETRY_MS = 50;

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
 * Where a run is. `connecting`: the first HELLO is out, waiting for SESSION. `open`: uploading
 * and collecting results. `resuming`: the gateway went away; HELLO (resume) on another one.
 * `delivered`: reports written and DONE sent, waiting for BYE (a lost link now ends the run
 * too). `failed` and `finished` are final.
 */
type Phase = 'connecting' | 'open' | 'resuming' | 'delivered' | 'failed' | 'finished';

/**
 * One client run: open a session on a random gateway, stream the tables (reference tables
 * first) as batches with a window of un-acked batches, receive the reports, write them.
 * If the gateway goes away, reconnect to any gateway and resume the same session: re-send
 * the un-acked batches (the system drops duplicates by id) and keep collecting results.
 */
export class CoffeeClient {
  private phase: Phase = 'connecting';
  /** The link the session is open on (undefined while connecting or resuming). */
  private link: Link | undefined;
  /** A link that sent HELLO and waits for SESSION: the upload must not use it yet. */
  private pending: { link: Link; hello: Deferred<string> } | undefined;
  private session: string | undefined;
  /** The session's resume token (from SESSION): a secret, never logged or printed. */
  private resumeToken: string | undefined;
  private readonly tls: { ca?: Buffer } | undefined;
  private readonly opts: ResolvedClientOptions;
  private readonly uploader: Uploader;
  private readonly collector: ResultCollector;
  /** The reports' one write, started once every result is in. */
  private reports: Promise<void> | undefined;
  /** DONE went out at least once: the reports are written, whatever happens to the connection now. */
  private doneSent = false;
  private expectedResults: number | null = null;
  /** Every batch and table end handed to the uploader: from now on the run waits for its reports. */
  private uploaded = false;
  private readonly finished = deferred<void>();
  private readonly inactivity: InactivityWatch | undefined;
  reconnects = 0;

  constructor(options: ClientOptions) {
    this.opts = resolveClientOptions(options);
    this.tls = this.opts.tls ? { ca: loadCa(this.opts.tls.ca) } : undefined;
    this.uploader = new Uploader(this.opts.window, this.opts.sendEachBatchTwice);
    this.collector = new ResultCollector(path.join(this.opts.out, `.spool-${process.pid}-${Date.now()}`));
    // The run's outcome is awaited in run(); a failure before then must not be unhandled.
    this.finished.promise.catch(() => undefined);
    if (this.opts.idleTimeoutMs > 0)
      this.inactivity = new InactivityWatch(
        this.opts.idleTimeoutMs,
        () => this.waitingFor(),
        (err) => {
          // A HELLO in flight is the connect loop's: it fails the run with this error too.
          this.pending?.hello.reject(err);
          if (this.doneSent) {
            // The reports are written: a gateway silent after DONE is left for another one (the
            // session is resumed to say DONE again, or the run ends with a notice), not a failed run.
            this.link?.close();
            this.inactivity?.touch();
            this.inactivity?.start();
            return;
          }
          this.fail(err);
        },
      );
  }

  /** What the run waits on a gateway for now, in words (null: for nothing, e.g. reading the dataset). */
  private waitingFor(): string | null {
    if (this.phase === 'failed' || this.phase === 'finished') return null;
    if (this.pending) return `the answer to HELLO from ${this.pending.link.address}`;
    const at = this.link ? ` from ${this.link.address}` : '';
    if (this.phase === 'delivered') return `BYE${at} after DONE`;
    if (this.phase !== 'open') return null; // between two connection attempts: the connect loop's deadline rules
    if (this.uploader.unacked > 0) return `the acknowledgement of ${this.uploader.unacked} batch(es)${at}`;
    if (this.uploaded) {
      const total = this.expectedResults === null ? 'COMPLETE not yet received' : `of ${this.expectedResults}`;
      return `the reports${at} (${this.collector.count} result message(s) received, ${total})`;
    }
    return null;
  }

  async run(): Promise<ClientSummary> {
    const started = process.hrtime.bigint();
    const { data, out, maxBatchBytes } = this.opts;
    const files = await validateDataset(data);
    const totalBytes = Object.values(files)
      .flat()
      .reduce((a, f) => a + f.size, 0);
    const rejects = new RejectsFile(out);
    const progress = new UploadProgress(totalBytes, this.opts.progress);
    const rows: Record<string, number> = {};
    let inputBytes = 0;
    let readerResources: ClientResources | null = null;
    const readOptions = { maxBatchBytes, maxRecordBytes: this.opts.maxRecordBytes, maxRowBytes: MAX_BATCH_PAYLOAD_BYTES };
    // With readers 2, a process of its own reads the largest table's later files while this one
    // reads the earlier ones, both uploading at once; a table of one file it reads alongside all
    // the others, from the start (reader-process.ts).
    const plan = readerPlan(files, this.opts.readers);
    if (plan) rejects.perTable();
    const seqs = new Map<TableName, number>();
    /** Uploads one source of `table`'s batches; `part` orders its rejects among the table's sources. */
    const upload = async (table: TableName, batches: AsyncIterable<TableBatch>, part = 0): Promise<void> => {
      for await (const b of batches) {
        rejects.add(b.rejects, table, part);
        inputBytes += b.inputBytes;
        progress.update(b.inputBytes, table, rejects.count, b.rows);
        if (b.rows === 0) continue;
        rows[table] += b.rows;
        await this.windowSpace();
        const seq = seqs.get(table) ?? 0;
        seqs.set(table, seq + 1);
        await this.uploader.send(table, seq, b.payload);
      }
    };
    const readerUpload = (p: ReaderPlan): Promise<void> =>
      upload(
        p.table,
        readTableInProcess(data, p.table, { ...readOptions, files: p }, (r) => (readerResources = r)),
        1,
      );
    /** Several uploads at once: the first failure fails the run, which stops the others at their next window wait. */
    const together = async (uploads: Array<Promise<void>>): Promise<void> => {
      try {
        await Promise.all(uploads);
      } catch (err) {
        this.fail(err);
        await Promise.allSettled(uploads);
        throw err;
      }
    };
    let failed = true;
    this.inactivity?.start();
    try {
      this.session = await this.connect(undefined);
      for (const table of TABLES) rows[table] = 0;
      const early = plan?.from === 0 ? readerUpload(plan) : null;
      early?.catch(() => undefined); // awaited below; a failure meanwhile is the run's (together)
      const own = async (): Promise<void> => {
        for (const table of TABLES) {
          if (table === plan?.table) {
            if (plan.from > 0)
              await together([
                upload(table, readTableBatches(data, table, { ...readOptions, files: { from: 0, to: plan.from } })),
                readerUpload(plan),
              ]);
            else await early;
          } else await upload(table, readTableBatches(data, table, readOptions));
          this.uploader.endTable(table, seqs.get(table) ?? 0);
        }
      };
      await together(early ? [own(), early] : [own()]);
      failed = false;
      progress.stop();
      this.uploaded = true;
      this.opts.onEvent({ type: 'uploaded' });
      // The pipeline has the data now; the charts' libraries load while its results come in.
      if (this.opts.htmlReport) void preloadChartLibraries();
      await this.finished.promise;
    } finally {
      this.inactivity?.stop();
      progress.stop();
      this.link?.close();
      this.collector.dispose();
      if (failed) rejects.discardParts();
    }
    const rejectsFile = await rejects.close();
    const summary: ClientSummary = {
      readerResources,
      session: this.session,
      rows,
      rejected: rejects.count,
      rejectsFile,
      inputBytes,
      seconds: Number(process.hrtime.bigint() - started) / 1e9,
      reconnects: this.reconnects,
      dataQuality: this.collector.dataQuality(),
      htmlReport: null,
    };
    if (this.opts.htmlReport) summary.htmlReport = await this.writeHtml(summary);
    return summary;
  }

  /**
   * report.html, after the CSV files (it is built from them). The CSV files are the contract:
   * a page that cannot be written is reported, and the run still succeeds.
   */
  private async writeHtml(s: ClientSummary): Promise<string | null> {
    try {
      const { file } = await writeHtmlReport(this.opts.out, { producer: 'pipeline', dataset: this.opts.data, ...s });
      return file;
    } catch (err) {
      this.opts.onNotice(`report.html not written: ${(err as Error).message} (the CSV reports are complete)`);
      return null;
    }
  }

  /** Room in the window for one more batch; a failed run stops the upload here. */
  private windowSpace(): Promise<void> {
    if (this.phase === 'failed') return this.finished.promise;
    return Promise.race([this.uploader.space(), this.finished.promise]);
  }

  /** Connects to some gateway and opens (or resumes) the session; retries within retryForMs. */
  private async connect(resume: string | undefined): Promise<string> {
    const deadline = Date.now() + this.opts.retryForMs;
    let delay = 200;
    let lastBusy: CoffeeError | undefined;
    for (;;) {
      // Whether every gateway refused the connection (nothing listens there yet, e.g. a cluster
      // still starting): a refusal answers at once, so polling often costs little and the client
      // connects as soon as a gateway is up, instead of up to a whole back-off later (issue 11).
      let allRefused = true;
      for (const address of shuffled(this.opts.gateways)) {
        let link: Link;
        try {
          link = await Link.connect(address, 3000, this.tls);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'ECONNREFUSED') allRefused = false;
          continue;
        }
        allRefused = false;
        // The link becomes the client's link only once the session is open on it: until then
        // the upload must not use it (the gateway takes no batch before the session).
        const hello = deferred<string>();
        this.pending = { link, hello };
        link.listen(
          (f) => this.onFrame(f),
          (reason) => this.onLinkClosed(link, reason),
        );
        const auth = this.opts.authToken !== undefined ? { auth: this.opts.authToken } : {};
        link.send(
          encodeJsonFrame(
            FrameType.HELLO,
            resume ? { version: PROTOCOL_VERSION, resume, token: this.resumeToken, ...auth } : { version: PROTOCOL_VERSION, ...auth },
          ),
        );
        try {
          const session = await hello.promise;
          this.link = link;
          this.uploader.attach(link);
          if (this.phase === 'connecting' || this.phase === 'resuming') this.phase = 'open';
          this.opts.onEvent({ type: 'connected', address, session, resumed: resume !== undefined });
          return session;
        } catch (err) {
          link.close();
          if (err instanceof CoffeeError && err.code === ErrorCode.SESSION_FINISHED && this.reports) return resume!;
          // Whether to try again is the catalogue's call (errors.ts RETRYABLE), not a list here.
          if (isRetryable(err)) {
            if (err instanceof CoffeeError && err.code === ErrorCode.BUSY) {
              lastBusy = err;
              this.opts.onNotice(`system busy, retrying: ${err.message}`);
            }
            continue;
          }
          throw err;
        } finally {
          this.pending = undefined;
        }
      }
      if (Date.now() > deadline) throw lastBusy ? new BusyError(lastBusy.message) : new NoGatewayError(this.opts.gateways);
      if (allRefused) {
        await new Promise((r) => setTimeout(r, REFUSED_RETRY_MS));
        continue;
      }
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(delay * 2, 2000);
    }
  }

  private onFrame(f: Frame): void {
    // Any frame is a sign of life of the gateway (KEEPALIVE exists for nothing else).
    this.inactivity?.touch();
    try {
      switch (f.type) {
        case FrameType.SESSION: {
          const accepted = decodeSessionAccepted(f);
          // A resume answers without a token: the client keeps the one its session was opened with.
          if (accepted.token !== undefined) this.resumeToken = accepted.token;
          this.pending?.hello.resolve(accepted.session);
          return;
        }
        case FrameType.BATCH_ACK: {
          const { tableCode, seq } = decodeBatchAck(f);
          const table = this.uploader.batchAcked(tableCode, seq);
          if (table) this.opts.onEvent({ type: 'batch-acked', table, seq, acked: this.uploader.acked });
          return;
        }
        case FrameType.TABLE_END_ACK: {
          const { table } = decodeTableEndAck(f);
          if (isTableName(table)) this.uploader.tableEndAcked(table);
          return;
        }
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
          if (this.phase === 'delivered') this.finish();
          return;
        case FrameType.KEEPALIVE:
          return;
        case FrameType.ERROR: {
          const body = decodeErrorBody(f);
          const err = new CoffeeError(body.code, `gateway: ${body.message}`);
          // An answer to HELLO is the connect loop's to judge (retry elsewhere or give up).
          if (this.pending) this.pending.hello.reject(err);
          // A transient failure of the gateway (its broker) ends this connection, not the run:
          // the link closes and the session is resumed, on this or another gateway.
          else if (isRetryable(err) && (this.phase === 'open' || this.phase === 'delivered')) this.link?.close();
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

  /** Once every result is in: write the reports (once), then say DONE. */
  private async maybeFinish(): Promise<void> {
    if (this.expectedResults === null || this.collector.count < this.expectedResults) return;
    this.reports ??= writeCollectedReports(this.collector, this.opts.out);
    try {
      await this.reports;
    } catch (err) {
      this.fail(err);
      return;
    }
    // While resuming, DONE waits: the resumed session delivers COMPLETE again, which comes back here.
    // Once per link: a RESULT or COMPLETE arriving while the reports are written calls this again,
    // and a second DONE on the same connection is a protocol error to the gateway.
    if (this.phase !== 'open' || !this.link) return;
    this.phase = 'delivered';
    this.doneSent = true;
    this.opts.onEvent({ type: 'reports-written', address: this.link.address });
    this.link.send(encodeJsonFrame(FrameType.DONE, {}));
  }

  private finish(): void {
    this.phase = 'finished';
    this.finished.resolve();
  }

  private fail(err: unknown): void {
    this.phase = 'failed';
    this.finished.reject(err);
    this.link?.close();
  }

  private onLinkClosed(link: Link, reason?: Error): void {
    if (link === this.pending?.link) {
      this.pending.hello.reject(
        new CoffeeError(ErrorCode.LINK, `connection to ${link.address} lost${reason ? `: ${reason.message}` : ''}`),
      );
      return;
    }
    if (link !== this.link) return;
    switch (this.phase) {
      // After DONE too: the gateway may have gone before telling the controller the reports are
      // delivered, so the session is resumed to say DONE again and its state goes now, not at expiry.
      case 'delivered':
      case 'open':
        if (this.session) void this.reconnect();
        return;
      default:
        return;
    }
  }

  /** Resumes the session on any gateway and re-sends what it had not acknowledged. */
  private async reconnect(): Promise<void> {
    this.phase = 'resuming';
    this.link = undefined;
    this.uploader.detach();
    this.reconnects++;
    this.opts.onNotice(`gateway connection lost; resuming session ${this.session} on another gateway`);
    try {
      await this.connect(this.session);
      if (this.link) this.uploader.resend();
      else {
        // The controller had finished the session: it got DONE, and the reports are written.
        await this.reports;
        this.finish();
      }
    } catch (err) {
      if (!this.doneSent) return this.fail(err);
      // The reports are written: the run succeeded. Only the cluster's clean-up waits for expiry.
      this.opts.onNotice(
        `reports written, but no gateway confirmed the end of session ${this.session} (${(err as Error).message}); the cluster deletes its state when the session expires`,
      );
      this.finish();
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
