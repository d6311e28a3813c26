import { spawn } from 'node:child_process';
import net from 'node:net';
import os from 'node:os';
import { CLI_BIN } from '../node/config/paths.js';
import { CoffeeError, ErrorCode, UsageError, isCoffeeError, isErrorCode } from '../node/errors.js';
import { CLIENT_V8_FLAGS } from '../node/v8-flags.js';
import { readTableBatches, type FileRange, type ReadTableOptions, type TableBatch } from '../dataset/reader.js';
import { TABLES, isTableName, type TableName } from '../dataset/tables.js';
import type { TableFile } from '../dataset/files.js';
import { READER_PROCESS_MIN_BYTES, ownResources, type ClientResources, type Readers } from './options.js';
import { ReaderRecordDecoder, RecordKind, encodeBatchRecordHead, encodeJsonRecord } from './batch-records.js';

/**
 * The largest table read by two processes at once (client `--readers`, issue 11). The client's
 * one thread parses and encodes every CSV byte; while it reads the items table, the workers need
 * less than the second core and the machine sits 15-25 % idle (measured at scale 1). So the
 * client reads the table's earlier files while a reader process reads the later ones, and both
 * upload. A process, not a worker thread: two reader threads in one process cost 35-40 % more
 * CPU for the same bytes (README, round five). Measured (README, "Round twelve"): 7 % less wall
 * time at scale 1 on two cores, none at 0.33 or 0.1; hence READER_PROCESS_MIN_BYTES.
 *
 * The reader process is the client's own bundle (`coffee-analysis client --read-table T --files
 * FROM:TO ...`), reading exactly what `readTableBatches` reads in the client, and writing each
 * batch as a record (batch-records.ts) on fd 3; stdout and stderr stay free for a message a
 * person should see.
 */

/** What both readers of a split table read with: the client's bounds, and the files to read (default: all). */
export type TableReaderOptions = Required<Pick<ReadTableOptions, 'maxBatchBytes' | 'maxRecordBytes' | 'maxRowBytes'>> &
  Pick<ReadTableOptions, 'files'>;

/** The records' pipe in the reader process. */
const RECORDS_FD = 3;
/** Records decoded and not yet taken before the client stops reading the pipe (each is at most a frame). */
const READ_AHEAD_RECORDS = 2;
/** The last bytes of the reader process's stderr kept for an error message. */
const STDERR_TAIL_BYTES = 2048;

/** What a reader process reads: the files [from, to) of `table` (the client reads [0, from) at the same time). */
export interface ReaderPlan {
  table: TableName;
  from: number;
  /** The table's file count. */
  to: number;
}

/** Of the largest table, the share of bytes the client reads itself (it also sends every batch). */
const CLIENT_SHARE = 0.45;

/**
 * What a reader process reads: the later files of the largest table, from where the earlier ones
 * hold CLIENT_SHARE of its bytes (all of it when it has one file). Null (the client reads it all)
 * with `readers` 1, and with 'auto' below READER_PROCESS_MIN_BYTES or on one core.
 */
export function readerPlan(
  files: Readonly<Record<TableName, readonly TableFile[]>>,
  readers: Readers,
  cores = os.availableParallelism(),
): ReaderPlan | null {
  if (readers === 1) return null;
  let largest: TableName = TABLES[0];
  let largestBytes = -1;
  for (const t of TABLES) {
    const bytes = files[t].reduce((a, f) => a + f.size, 0);
    if (bytes > largestBytes) [largest, largestBytes] = [t, bytes];
  }
  if (readers === 'auto' && (largestBytes < READER_PROCESS_MIN_BYTES || cores < 2)) return null;
  const list = files[largest];
  let from = 0;
  for (let seen = 0; from < list.length - 1 && seen + list[from].size <= CLIENT_SHARE * largestBytes; from++) seen += list[from].size;
  return { table: largest, from, to: list.length };
}

/** The reader process's side: streams `table`'s batches to fd 3, then DONE (or FAILED with the error). Returns the exit code. */
export async function serveTableReader(data: string, table: TableName, o: TableReaderOptions): Promise<number> {
  let out: net.Socket;
  try {
    out = new net.Socket({ fd: RECORDS_FD, readable: false, writable: true });
  } catch {
    throw new UsageError(
      `client: --read-table is the client's own reader process: it writes to a pipe on fd ${RECORDS_FD}, which is not open here`,
    );
  }
  let broken: Error | undefined;
  out.on('error', (err) => (broken ??= err));
  const drained = (): Promise<void> =>
    new Promise((resolve, reject) => {
      const onDrain = (): void => settle(broken);
      const onClose = (): void => settle(broken ?? new Error('the client closed the records pipe'));
      const settle = (err: Error | undefined): void => {
        out.off('drain', onDrain);
        out.off('close', onClose);
        if (err) reject(err);
        else resolve();
      };
      out.once('drain', onDrain);
      out.once('close', onClose);
    });
  let code = 0;
  try {
    for await (const b of readTableBatches(data, table, o)) {
      out.write(encodeBatchRecordHead(b));
      if (!out.write(b.payload)) await drained();
      if (broken) throw broken;
    }
    out.end(encodeJsonRecord(RecordKind.DONE, ownResources()));
  } catch (err) {
    code = 1;
    const failure = isCoffeeError(err)
      ? { code: err.code, message: err.message }
      : { code: ErrorCode.CLIENT, message: `reading ${table}: ${err instanceof Error ? err.message : String(err)}` };
    if (!out.destroyed) out.end(encodeJsonRecord(RecordKind.FAILED, failure));
  }
  await new Promise<void>((resolve) => (out.writableFinished || out.destroyed ? resolve() : out.once('close', () => resolve())));
  return code;
}

/** The command line of a reader process (after `node`): the client's V8 flags, then `client --read-table`. */
export function readerProcessArgs(data: string, table: TableName, o: TableReaderOptions): string[] {
  const args = [...CLIENT_V8_FLAGS, CLI_BIN, 'client', '--read-table', table, '--data', data];
  args.push(
    '--batch-bytes',
    // Whole bytes: sizes are compared with integers, so a fractional bound (--batch-kb 1.1) means its floor.
    String(Math.floor(o.maxBatchBytes)),
    '--max-record-bytes',
    String(Math.floor(o.maxRecordBytes)),
    '--max-row-bytes',
    String(Math.floor(o.maxRowBytes)),
  );
  if (o.files) args.push('--files', `${o.files.from}:${o.files.to}`);
  return args;
}

/**
 * The client's side: starts a reader process for `table` and yields its batches as they come,
 * the same batches `readTableBatches` would yield here. Reading ahead is bounded (the pipe, and
 * READ_AHEAD_RECORDS decoded). An error the reader met is raised here as the same CoffeeError
 * code and message; a reader that dies is an ERR_CLIENT naming its exit. Leaving the loop early
 * stops the process. `onResources` gets what the process used, once it is done.
 */
export async function* readTableInProcess(
  data: string,
  table: TableName,
  o: TableReaderOptions,
  onResources: (r: ClientResources) => void,
): AsyncGenerator<TableBatch> {
  const child = spawn(process.execPath, readerProcessArgs(data, table, o), { stdio: ['ignore', 'inherit', 'pipe', 'pipe'] });
  const records = child.stdio[3] as net.Socket;
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => (stderr = (stderr + c.toString()).slice(-STDERR_TAIL_BYTES)));

  const decoder = new ReaderRecordDecoder();
  const queue: TableBatch[] = [];
  let ended: { error?: Error; done: boolean } | undefined;
  let finished: ClientResources | undefined;
  let wake: (() => void) | undefined;
  const notify = (): void => {
    wake?.();
    wake = undefined;
  };
  const fail = (error: Error): void => {
    ended ??= { error, done: true };
    notify();
  };

  records.on('data', (chunk: Buffer) => {
    let got;
    try {
      got = decoder.push(chunk);
    } catch (err) {
      fail(new CoffeeError(ErrorCode.CLIENT, `the reader process for ${table} sent a broken stream: ${(err as Error).message}`));
      return;
    }
    for (const r of got) {
      if (r.kind === RecordKind.BATCH) queue.push(r.batch);
      else if (r.kind === RecordKind.DONE) finished = r.resources;
      else {
        const code = isErrorCode(r.failure.code) ? r.failure.code : ErrorCode.CLIENT;
        fail(new CoffeeError(code, r.failure.message));
      }
    }
    if (queue.length >= READ_AHEAD_RECORDS) records.pause();
    notify();
  });
  records.on('error', (err) => fail(new CoffeeError(ErrorCode.CLIENT, `the reader process for ${table}: ${err.message}`)));
  child.on('error', (err) => fail(new CoffeeError(ErrorCode.CLIENT, `could not start a reader process for ${table}: ${err.message}`)));
  child.on('exit', (code, signal) => {
    // The pipe may still hold the last records: exit is final only once the stream has ended too.
    const settle = (): void => {
      if (finished && code === 0 && decoder.pending === 0) {
        ended ??= { done: true };
        onResources(finished);
      } else {
        const last = stderr.trim().split('\n').pop() ?? '';
        fail(
          new CoffeeError(
            ErrorCode.CLIENT,
            `the reader process for ${table} ended without finishing (${signal ? `signal ${signal}` : `exit code ${code}`})${last ? `: ${last}` : ''}`,
          ),
        );
      }
      notify();
    };
    if (records.readableEnded || records.destroyed) settle();
    else records.once('close', settle);
  });

  try {
    for (;;) {
      const b = queue.shift();
      if (b !== undefined) {
        if (queue.length < READ_AHEAD_RECORDS && records.isPaused()) records.resume();
        yield b;
        continue;
      }
      if (ended?.error) throw ended.error;
      if (ended?.done) return;
      await new Promise<void>((resolve) => (wake = resolve));
    }
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  }
}

/** `--files FROM:TO` of the reader process. */
export function readerFiles(v: string | undefined): FileRange | undefined {
  if (v === undefined) return undefined;
  const m = /^(\d+):(\d+)$/.exec(v);
  if (!m || Number(m[1]) > Number(m[2])) throw new UsageError(`client: --files ${v}: give FROM:TO file indexes`);
  return { from: Number(m[1]), to: Number(m[2]) };
}

/** Whether `name` names a table (the reader process's argument check). */
export function readerTable(name: string): TableName {
  if (!isTableName(name)) throw new UsageError(`client: --read-table ${name} is not a table`);
  return name;
}
