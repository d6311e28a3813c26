import type { TableName } from '../dataset/tables.js';
import type { DataQuality } from '../queries/data-quality.js';
import { MAX_BATCH_PAYLOAD_BYTES } from '../protocol/wire/messages.js';
import { UsageError } from '../node/errors.js';

/** Options of one client run; every field but the folders has a default (`resolveClientOptions`). */
export interface ClientOptions {
  /** Dataset folder (a folder per table). */
  data: string;
  /** Where the five reports are written. */
  out: string;
  /** Gateways as `host:port`; one is picked at random, the others are fallbacks. */
  gateways: string[];
  /**
   * Largest batch (bytes), counted as the encoder's upper bound (every number 4 bytes, ids as
   * packed while they all pack, else as text), so that a frame never exceeds the gateway's
   * limit; as sent, a batch is ~30 % (transactions) to ~45 % (items) of it. Default and most:
   * the largest a gateway's default frame limit takes (8 MiB less the frame's heads). Every
   * batch costs each stage a message or more (README, Performance), so the largest measured best.
   */
  maxBatchBytes?: number;
  /** Batches sent but not yet acknowledged by the gateway. */
  window?: number;
  /** How long to keep retrying when every gateway is down or the system is busy (ms). */
  retryForMs?: number;
  /** Progress bar on stderr (default: when stderr is a TTY). */
  progress?: boolean;
  /** Called with one-line status messages (reconnects, busy retries). */
  onNotice?: (line: string) => void;
  /** Progress events, for tools and tests that act at a given point of a run. */
  onEvent?: (event: ClientEvent) => void;
  /**
   * Sends every batch twice (same table, same sequence number), as a client that lost its
   * acks would after a reconnect. A testing aid: the system must drop the duplicates.
   */
  sendEachBatchTwice?: boolean;
  /** Also write report.html next to the CSV files (default true; the benchmark skips it). */
  htmlReport?: boolean;
  /** TLS to the gateways; `ca`: PEM file of the CA (or self-signed certificate) to trust. */
  tls?: { ca?: string };
  /** Client token, when the gateways require one (gateway `auth.token`). A secret: never logged. */
  authToken?: string;
  /** Largest CSV record in bytes; a longer one fails the run naming file and line. */
  maxRecordBytes?: number;
  /**
   * ms the run may wait on the gateways without receiving a frame (gateways send KEEPALIVE every
   * 15 s while a session is open); then it fails with ERR_CLIENT_TIMEOUT. 0: no limit.
   */
  idleTimeoutMs?: number;
  /**
   * Processes that read the dataset: 1, the client alone; 2, the client reads the largest
   * table's earlier files while a reader process reads the later ones, both uploading at once
   * (reader-process.ts). 'auto' (the default): 2 when that table has READER_PROCESS_MIN_BYTES or
   * more and the machine two cores or more, else 1 (README, "Round twelve": on two cores 7 % less
   * wall time at scale 1, none at 0.33 or 0.1, where the second process's start and warm-up cost
   * what it saves).
   */
  readers?: Readers;
}

/** How many processes read the dataset (`ClientOptions.readers`). */
export type Readers = 'auto' | 1 | 2;

/** The size of the largest table from which `readers: 'auto'` reads it with two processes (1 GiB). */
export const READER_PROCESS_MIN_BYTES = 1024 * 1024 * 1024;

export type ClientEvent =
  | { type: 'connected'; address: string; session: string; resumed: boolean }
  | { type: 'batch-acked'; table: TableName; seq: number; acked: number }
  | { type: 'uploaded' }
  /** Every report is written; DONE goes to the gateway at `address` right after this event. */
  | { type: 'reports-written'; address: string };

export const CLIENT_DEFAULTS = {
  maxBatchBytes: MAX_BATCH_PAYLOAD_BYTES,
  window: 8,
  retryForMs: 60_000,
  maxRecordBytes: 1024 * 1024,
  idleTimeoutMs: 120_000,
  readers: 'auto',
} as const;

/** The options with every default applied: resolved once, at the start of a run. */
export type ResolvedClientOptions = Required<Omit<ClientOptions, 'tls' | 'authToken'>> & Pick<ClientOptions, 'tls' | 'authToken'>;

export function resolveClientOptions(opts: ClientOptions): ResolvedClientOptions {
  // Above the most, a full batch's frame would be refused by the gateway (ERR_FRAME_TOO_LARGE) mid-run.
  if (opts.readers !== undefined && opts.readers !== 'auto' && opts.readers !== 1 && opts.readers !== 2)
    throw new UsageError(`readers: ${String(opts.readers)}: give auto, 1 or 2`);
  if (opts.maxBatchBytes !== undefined && !(opts.maxBatchBytes >= 1 && opts.maxBatchBytes <= MAX_BATCH_PAYLOAD_BYTES))
    throw new UsageError(
      `largest batch of ${opts.maxBatchBytes} bytes: give at most ${MAX_BATCH_PAYLOAD_BYTES} bytes (--batch-kb ${Math.floor(MAX_BATCH_PAYLOAD_BYTES / 1024)}), so that a batch's frame fits a gateway's frame limit`,
    );
  return {
    data: opts.data,
    out: opts.out,
    gateways: opts.gateways,
    maxBatchBytes: opts.maxBatchBytes ?? CLIENT_DEFAULTS.maxBatchBytes,
    window: opts.window ?? CLIENT_DEFAULTS.window,
    retryForMs: opts.retryForMs ?? CLIENT_DEFAULTS.retryForMs,
    progress: opts.progress ?? process.stderr.isTTY === true,
    onNotice: opts.onNotice ?? (() => undefined),
    onEvent: opts.onEvent ?? (() => undefined),
    sendEachBatchTwice: opts.sendEachBatchTwice ?? false,
    htmlReport: opts.htmlReport ?? true,
    tls: opts.tls,
    authToken: opts.authToken,
    maxRecordBytes: opts.maxRecordBytes ?? CLIENT_DEFAULTS.maxRecordBytes,
    idleTimeoutMs: opts.idleTimeoutMs ?? CLIENT_DEFAULTS.idleTimeoutMs,
    readers: opts.readers ?? CLIENT_DEFAULTS.readers,
  };
}

/** A `--readers auto|1|2` flag of `command`; unset: undefined (the default). */
export function readersFlag(v: string | undefined, command: string): Readers | undefined {
  if (v === undefined) return undefined;
  if (v === 'auto') return 'auto';
  if (v === '1' || v === '2') return Number(v) as 1 | 2;
  throw new UsageError(`${command}: --readers must be auto, 1 or 2, got '${v}'`);
}

/** What a client process measured about itself (for the benchmark). */
export interface ClientResources {
  cpuSeconds: number;
  maxRssBytes: number;
}

/** This process's CPU time and peak RSS so far (the client's, or its reader process's). */
export function ownResources(): ClientResources {
  const ru = process.resourceUsage();
  return { cpuSeconds: (ru.userCPUTime + ru.systemCPUTime) / 1e6, maxRssBytes: ru.maxRSS * 1024 };
}

export interface ClientSummary {
  /** What the reader process used (readers: 2), counted in the client's resources; null without one. */
  readerResources: ClientResources | null;
  /** Rows whose store / item / user is missing from its reference table, per check (queries/data-quality.ts). */
  dataQuality: DataQuality;
  /** report.html, when written. */
  htmlReport: string | null;
  session: string;
  rows: Record<string, number>;
  rejected: number;
  rejectsFile: string | null;
  inputBytes: number;
  seconds: number;
  reconnects: number;
}
