/** Options of one client run; every field but the folders has a default. */
export interface ClientOptions {
  /** Dataset folder (a folder per table). */
  data: string;
  /** Where the five reports are written. */
  out: string;
  /** Gateways as `host:port`; one is picked at random, the others are fallbacks. */
  gateways: string[];
  /** Largest encoded batch (bytes). 256 KiB measured best on this machine kind (README, Performance). */
  maxBatchBytes?: number;
  /** Batches sent but not yet acknowledged by the gateway. */
  window?: number;
  /** How long to keep retrying when every gateway is down or the system is busy (ms). */
  retryForMs?: number;
  /** Progress bar on stderr (default: when stderr is a TTY). */
  progress?: boolean;
  /** Called with one-line status messages (reconnects, busy retries). */
  onNotice?: (line: string) => void;
}

export const CLIENT_DEFAULTS = {
  maxBatchBytes: 256 * 1024,
  window: 32,
  retryForMs: 60_000,
} as const;

export interface ClientSummary {
  session: string;
  rows: Record<string, number>;
  rejected: number;
  rejectsFile: string | null;
  inputBytes: number;
  seconds: number;
  reconnects: number;
}
