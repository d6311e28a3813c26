/**
 * Error catalogue. Every error the system raises on purpose is a CoffeeError with a stable
 * `code`; user-facing messages say what was wrong and what to do. The CLI prints
 * `message` (one line, no stack) for these and exits non-zero.
 */
export class CoffeeError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** A configuration file or override is invalid. */
export class ConfigError extends CoffeeError {
  constructor(message: string) {
    super('ERR_CONFIG', message);
  }
}

/** User input on the command line is invalid (missing folder, bad flag). */
export class UsageError extends CoffeeError {
  constructor(message: string) {
    super('ERR_USAGE', message);
  }
}

/** The broker cannot be reached. */
export class BrokerUnreachableError extends CoffeeError {
  constructor(url: string, cause?: unknown) {
    super('ERR_BROKER_UNREACHABLE', `cannot reach RabbitMQ at ${redactUrl(url)}: is it running? (set AMQP_URL to point elsewhere)`, {
      cause,
    });
  }
}

/** A client <-> gateway frame violates the protocol. */
export class ProtocolError extends CoffeeError {
  constructor(
    code:
      | 'ERR_FRAME_MALFORMED'
      | 'ERR_FRAME_TOO_LARGE'
      | 'ERR_FRAME_UNKNOWN_TYPE'
      | 'ERR_FRAME_UNEXPECTED'
      | 'ERR_BATCH_MALFORMED'
      | 'ERR_SESSION_ID',
    message: string,
  ) {
    super(code, message);
  }
}

/** The system refused a session because it is at capacity. */
export class BusyError extends CoffeeError {
  constructor(message = 'the system is busy (max.clients reached): retry later') {
    super('ERR_BUSY', message);
  }
}

/** No gateway of the configured list accepted a connection. */
export class NoGatewayError extends CoffeeError {
  constructor(gateways: string[]) {
    super(
      'ERR_NO_GATEWAY',
      `no gateway reachable among ${gateways.join(', ')}: is the cluster running? (start it with \`npx coffee-analysis cluster\`)`,
    );
  }
}

/** A row batch payload cannot be decoded. */
export class BatchDecodeError extends CoffeeError {
  constructor(message: string) {
    super('ERR_BATCH_MALFORMED', message);
  }
}

/** Stored state failed its checksum or cannot be read. */
export class StorageError extends CoffeeError {
  constructor(message: string, cause?: unknown) {
    super('ERR_STORAGE', message, { cause });
  }
}

export function redactUrl(url: string): string {
  return url.replace(/\/\/([^:@/]+):([^@/]+)@/, '//$1:***@');
}

export function isCoffeeError(err: unknown): err is CoffeeError {
  return err instanceof CoffeeError;
}

/** A dataset folder or file is unusable as a whole (missing table folder, no CSV, missing column). */
export class DatasetError extends CoffeeError {
  constructor(message: string) {
    super('ERR_DATASET', message);
  }
}
