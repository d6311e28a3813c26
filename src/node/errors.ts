/**
 * Error catalogue. Every error the system raises on purpose is a CoffeeError whose `code` is
 * one of ErrorCode below; the string values are stable (clients, tests and scripts match them)
 * and travel in the wire's ERROR body. User-facing messages say what was wrong and what to do;
 * the CLI prints `message` (one line, no stack) for these and exits non-zero.
 *
 * A new code goes here, with a line in RETRYABLE saying whether a client should try again.
 */

export const ErrorCode = {
  /** A configuration file or override is invalid. */
  CONFIG: 'ERR_CONFIG',
  /** User input on the command line is invalid. */
  USAGE: 'ERR_USAGE',
  /** RabbitMQ cannot be reached at start. */
  BROKER_UNREACHABLE: 'ERR_BROKER_UNREACHABLE',
  /** Publishing to the broker failed (not confirmed within middleware.patience) while serving a request. */
  BROKER: 'ERR_BROKER',
  /** A queue exists on the broker with other arguments (e.g. classic vs quorum) than the config asks for. */
  QUEUE_MISMATCH: 'ERR_QUEUE_MISMATCH',
  /** A bug or unexpected failure (anything that is not a CoffeeError). */
  INTERNAL: 'ERR_INTERNAL',
  /** Client <-> gateway protocol violations. */
  FRAME_MALFORMED: 'ERR_FRAME_MALFORMED',
  FRAME_TOO_LARGE: 'ERR_FRAME_TOO_LARGE',
  FRAME_UNKNOWN_TYPE: 'ERR_FRAME_UNKNOWN_TYPE',
  FRAME_UNEXPECTED: 'ERR_FRAME_UNEXPECTED',
  BATCH_MALFORMED: 'ERR_BATCH_MALFORMED',
  SESSION_ID: 'ERR_SESSION_ID',
  /** The controller did not answer a session request in time. */
  CONTROLLER_TIMEOUT: 'ERR_CONTROLLER_TIMEOUT',
  /** The controller refused a session without saying why. */
  REFUSED: 'ERR_REFUSED',
  /** A resumed session was already delivered and cleaned up. */
  SESSION_FINISHED: 'ERR_SESSION_FINISHED',
  /** The system is at capacity (max.clients, or the gateway's max_connections). */
  BUSY: 'ERR_BUSY',
  /** A resume named a session the controller does not know (never opened, or expired). */
  SESSION_UNKNOWN: 'ERR_SESSION_UNKNOWN',
  /** A resume without the session's resume token, or with a wrong one. */
  SESSION_TOKEN: 'ERR_SESSION_TOKEN',
  /** The gateway requires a client token and HELLO had none, or a wrong one. */
  AUTH: 'ERR_AUTH',
  /** The gateway closed a connection that kept it waiting too long (no HELLO, unacked results, a stalled frame). */
  CONNECTION_TIMEOUT: 'ERR_CONNECTION_TIMEOUT',
  /** A message its handler kept failing on was moved to `<queue>.dead-letter` after bounded deliveries. */
  POISON: 'ERR_POISON_MESSAGE',
  /**
   * A node could not store the session's data: its disk (state folder) is full. The session is
   * failed (its partial state deleted, which frees the space); run it again once there is room.
   */
  STORAGE_FULL: 'ERR_STORAGE_FULL',
  /** The session went over one of its per-session quotas (rows, bytes, keys): it is failed. */
  QUOTA: 'ERR_QUOTA',
  /** The session saw no activity for longer than the controller's idle timeout: it was cleaned up. */
  SESSION_EXPIRED: 'ERR_SESSION_EXPIRED',
  /** Client side: the run made no progress (nothing received from any gateway) for longer than its inactivity timeout. */
  CLIENT_TIMEOUT: 'ERR_CLIENT_TIMEOUT',
  /** Client side: a CSV record exceeds the maximum record size. */
  RECORD_TOO_LARGE: 'ERR_RECORD_TOO_LARGE',
  /** Client side: no gateway accepted a connection. */
  NO_GATEWAY: 'ERR_NO_GATEWAY',
  /** Client side: the gateway sent an ERROR frame without a known code. */
  GATEWAY: 'ERR_GATEWAY',
  /** Client side: the connection to a gateway was lost. */
  LINK: 'ERR_LINK',
  /** Client side: a client process failed. */
  CLIENT: 'ERR_CLIENT',
  /** Stored state failed its checksum or cannot be read. */
  STORAGE: 'ERR_STORAGE',
  /** A dataset folder or file is unusable as a whole. */
  DATASET: 'ERR_DATASET',
  /** A node found its identity already running (live pid file, port in use): it exits. */
  ALREADY_RUNNING: 'ERR_ALREADY_RUNNING',
  /** Tools: local cluster. */
  CLUSTER_RUNNING: 'ERR_CLUSTER_RUNNING',
  CLUSTER_NOT_READY: 'ERR_CLUSTER_NOT_READY',
  /** Tools: the dashboard's port is taken. */
  DASHBOARD_PORT: 'ERR_DASHBOARD_PORT',
  /** The Docker engine refused or failed a restart (Egg of Life, `restart.runner: docker`). */
  DOCKER: 'ERR_DOCKER',
  /** Tools: benchmark. */
  BENCH_MISMATCH: 'ERR_BENCH_MISMATCH',
  BENCH_REFERENCE: 'ERR_BENCH_REFERENCE',
  BENCH_DUCKDB: 'ERR_BENCH_DUCKDB',
  BENCH_BUSY: 'ERR_BENCH_BUSY',
  /** Tools: no headless browser to open the dashboard with (`bench --dashboard`, screenshots). */
  BROWSER_UNAVAILABLE: 'ERR_BROWSER_UNAVAILABLE',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/**
 * Whether a client that got this code while opening or resuming a session should try again
 * (on any gateway, after a back-off): true for transient conditions of the system, false for
 * errors that retrying cannot fix (the run fails with them).
 */
export const RETRYABLE: Readonly<Record<ErrorCode, boolean>> = {
  ERR_CONFIG: false,
  ERR_USAGE: false,
  ERR_BROKER_UNREACHABLE: true,
  ERR_BROKER: true,
  ERR_QUEUE_MISMATCH: false,
  ERR_INTERNAL: true,
  ERR_FRAME_MALFORMED: false,
  ERR_FRAME_TOO_LARGE: false,
  ERR_FRAME_UNKNOWN_TYPE: false,
  ERR_FRAME_UNEXPECTED: false,
  ERR_BATCH_MALFORMED: false,
  ERR_SESSION_ID: false,
  ERR_CONTROLLER_TIMEOUT: true,
  ERR_REFUSED: false,
  ERR_SESSION_FINISHED: false,
  ERR_BUSY: true,
  ERR_SESSION_UNKNOWN: false,
  ERR_SESSION_TOKEN: false,
  ERR_AUTH: false,
  ERR_CONNECTION_TIMEOUT: true,
  ERR_RECORD_TOO_LARGE: false,
  ERR_STORAGE_FULL: false,
  ERR_QUOTA: false,
  ERR_SESSION_EXPIRED: false,
  ERR_CLIENT_TIMEOUT: false,
  ERR_POISON_MESSAGE: false,
  ERR_NO_GATEWAY: false,
  ERR_GATEWAY: false,
  ERR_LINK: true,
  ERR_CLIENT: false,
  ERR_STORAGE: false,
  ERR_ALREADY_RUNNING: false,
  ERR_DATASET: false,
  ERR_DOCKER: false,
  ERR_CLUSTER_RUNNING: false,
  ERR_CLUSTER_NOT_READY: false,
  ERR_DASHBOARD_PORT: false,
  ERR_BENCH_MISMATCH: false,
  ERR_BENCH_REFERENCE: false,
  ERR_BENCH_DUCKDB: false,
  ERR_BENCH_BUSY: false,
  ERR_BROWSER_UNAVAILABLE: false,
};

const CODES = new Set<string>(Object.values(ErrorCode));

export function isErrorCode(s: unknown): s is ErrorCode {
  return typeof s === 'string' && CODES.has(s);
}

/** True if a client should retry after this error: any non-CoffeeError (a transport failure) or a retryable code. */
export function isRetryable(err: unknown): boolean {
  return !(err instanceof CoffeeError) || RETRYABLE[err.code];
}

export class CoffeeError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** A configuration file or override is invalid. */
export class ConfigError extends CoffeeError {
  constructor(message: string) {
    super(ErrorCode.CONFIG, message);
  }
}

/** User input on the command line is invalid (missing folder, bad flag). */
export class UsageError extends CoffeeError {
  constructor(message: string) {
    super(ErrorCode.USAGE, message);
  }
}

/** The broker cannot be reached (at start, or again within `middleware.patience` after a loss). */
export class BrokerUnreachableError extends CoffeeError {
  constructor(url: string, cause?: unknown, patienceMs?: number) {
    super(
      ErrorCode.BROKER_UNREACHABLE,
      patienceMs === undefined
        ? `cannot reach RabbitMQ at ${redactUrl(url)}: is it running? (set AMQP_URL to point elsewhere)`
        : `RabbitMQ at ${redactUrl(url)} did not answer for ${patienceMs} ms (middleware.patience): is it running? (raise COFFEE_CLUSTER__MIDDLEWARE__PATIENCE to wait longer)`,
      { cause },
    );
  }
}

/**
 * The broker did not confirm a publish (basic.nack, or the channel lost) and kept refusing it
 * for `middleware.patience`, while a connection was up: typically a quorum queue that has no
 * leader because a majority of its broker nodes is gone.
 */
export class PublishNotConfirmedError extends CoffeeError {
  constructor(queue: string, attempts: number, patienceMs: number, cause: unknown) {
    super(
      ErrorCode.BROKER,
      `RabbitMQ did not confirm a message to queue ${queue} after ${attempts} attempts over ${patienceMs} ms (middleware.patience): ` +
        `${String(cause)}; with quorum queues a majority of the broker nodes must be up (raise COFFEE_CLUSTER__MIDDLEWARE__PATIENCE to wait longer)`,
      { cause },
    );
  }
}

/**
 * A queue already exists with other arguments than this node declares (RabbitMQ answers
 * PRECONDITION_FAILED): typically `middleware.queue_type` changed while queues of the old type
 * remain. Retrying cannot fix it; the queues must be deleted (or the old type configured).
 */
export class QueueMismatchError extends CoffeeError {
  constructor(queue: string, queueType: string, detail: string) {
    super(
      ErrorCode.QUEUE_MISMATCH,
      `queue ${queue} exists on the broker with other arguments than middleware.queue_type=${queueType} asks for (${detail}): ` +
        `with the cluster stopped, delete its queues (\`rabbitmqctl delete_queue ${queue}\`, and the others with its prefix), ` +
        `or give the cluster another \`name\` (a fresh queue prefix), ` +
        `or set middleware.queue_type back to the type they were declared with`,
    );
  }
}

/** The codes a ProtocolError may carry. */
export type ProtocolErrorCode =
  | typeof ErrorCode.FRAME_MALFORMED
  | typeof ErrorCode.FRAME_TOO_LARGE
  | typeof ErrorCode.FRAME_UNKNOWN_TYPE
  | typeof ErrorCode.FRAME_UNEXPECTED
  | typeof ErrorCode.BATCH_MALFORMED
  | typeof ErrorCode.SESSION_ID;

/** A client <-> gateway frame violates the protocol. */
export class ProtocolError extends CoffeeError {
  constructor(code: ProtocolErrorCode, message: string) {
    super(code, message);
  }
}

/** The system refused a session because it is at capacity. */
export class BusyError extends CoffeeError {
  constructor(message = 'the system is busy (max.clients reached): retry later') {
    super(ErrorCode.BUSY, message);
  }
}

/** No gateway of the configured list accepted a connection. */
export class NoGatewayError extends CoffeeError {
  constructor(gateways: string[]) {
    super(
      ErrorCode.NO_GATEWAY,
      `no gateway reachable among ${gateways.join(', ')}: is the cluster running? (start it with \`npx coffee-analysis cluster\`)`,
    );
  }
}

/** A row batch payload cannot be decoded. */
export class BatchDecodeError extends CoffeeError {
  constructor(message: string) {
    super(ErrorCode.BATCH_MALFORMED, message);
  }
}

/**
 * A message its handler cannot decode (no honest node sends it): the message's fault, never the
 * infrastructure's, so the broker retries it a bounded number of times, then dead-letters it
 * and its session is failed with ERR_POISON_MESSAGE.
 */
export class PoisonInputError extends CoffeeError {
  constructor(message: string) {
    super(ErrorCode.BATCH_MALFORMED, message);
  }
}

/** This node's identity is already running elsewhere on this machine: the duplicate exits. */
export class AlreadyRunningError extends CoffeeError {
  constructor(id: string, why: string) {
    super(ErrorCode.ALREADY_RUNNING, `${id} is already running (${why}): this duplicate exits`);
  }
}

/** Stored state failed its checksum or cannot be read. */
export class StorageError extends CoffeeError {
  constructor(message: string, cause?: unknown) {
    super(ErrorCode.STORAGE, message, { cause });
  }
}

/** Whether `err` (or what caused it) is a full disk or an exhausted quota of the file system. */
export function isDiskFull(err: unknown): boolean {
  for (let e = err, depth = 0; e !== null && typeof e === 'object' && depth < 8; depth++) {
    const code = (e as { code?: unknown }).code;
    if (code === 'ENOSPC' || code === 'EDQUOT') return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

/**
 * The URL with its password replaced by `***`. The userinfo ends at the LAST `@` before the
 * path (a raw `/` or `@` in a password is common in generated ones), so it is cut there rather
 * than matched with a pattern that stops at the first `/`.
 */
export function redactUrl(url: string): string {
  // A broker address may be a comma-separated list of URLs: redact each.
  if (url.includes(',')) return url.split(',').map(redactUrl).join(',');
  const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(url);
  if (!scheme) return url;
  const rest = url.slice(scheme[0].length);
  const at = rest.lastIndexOf('@');
  if (at < 0) return url;
  const userinfo = rest.slice(0, at);
  const colon = userinfo.indexOf(':');
  if (colon < 0) return url;
  return `${scheme[0]}${userinfo.slice(0, colon)}:***${rest.slice(at)}`;
}

export function isCoffeeError(err: unknown): err is CoffeeError {
  return err instanceof CoffeeError;
}

/** A dataset folder or file is unusable as a whole (missing table folder, no CSV, missing column). */
export class DatasetError extends CoffeeError {
  constructor(message: string) {
    super(ErrorCode.DATASET, message);
  }
}

/** The Docker engine refused or failed an operation on a node's container (missing container, engine down). */
export class DockerError extends CoffeeError {
  constructor(message: string, cause?: unknown) {
    super(ErrorCode.DOCKER, message, { cause });
  }
}

/**
 * A CSV record longer than the maximum record size (client `--max-record-kb`). Thrown by the
 * parser with the line; the reader names the file (`inFile`).
 */
export class RecordTooLargeError extends CoffeeError {
  constructor(
    readonly line: number,
    readonly bytes: number,
    readonly maxBytes: number,
    readonly file?: string,
  ) {
    super(
      ErrorCode.RECORD_TOO_LARGE,
      `${file === undefined ? '' : `${file}: `}the record at line ${line} is longer than ${maxBytes} bytes (${bytes} so far): ` +
        'an unterminated quote or a missing line break? (raise the limit with --max-record-kb)',
    );
  }

  inFile(file: string): RecordTooLargeError {
    return new RecordTooLargeError(this.line, this.bytes, this.maxBytes, file);
  }
}
