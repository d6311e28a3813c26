import cliProgress from 'cli-progress';

/**
 * Upload progress on stderr (only where a person watches: a TTY): share of the dataset's
 * bytes sent, rows per second so far, and when the upload should end. The bar counts bytes
 * (known up front from the file sizes) so the ETA holds across tables of different widths.
 */
export class UploadProgress {
  private readonly bar: cliProgress.SingleBar | undefined;
  private value = 0;
  private rows = 0;
  private readonly started = performance.now();

  constructor(
    private readonly totalBytes: number,
    enabled: boolean,
  ) {
    if (!enabled) return;
    this.bar = new cliProgress.SingleBar(
      {
        format: 'uploading |{bar}| {percentage}% {mb}/{totalMb} MB | {rate} rows/s | ETA {eta_formatted} | {table} | rejected {rejected}',
        stream: process.stderr,
        hideCursor: true,
        // The ETA averages the last 40 updates (batches): steady, yet follows a change of pace.
        etaBuffer: 40,
        fps: 5,
      },
      cliProgress.Presets.shades_classic,
    );
    this.bar.start(Math.max(1, totalBytes), 0, this.payload('', 0));
  }

  /** One batch read: its bytes, its rows, the table, the rejected rows so far. */
  update(bytes: number, table: string, rejected: number, rows = 0): void {
    this.value += bytes;
    this.rows += rows;
    this.bar?.update(this.value, this.payload(table, rejected));
  }

  private payload(table: string, rejected: number): Record<string, string | number> {
    const seconds = (performance.now() - this.started) / 1000;
    return {
      table,
      rejected,
      mb: (this.value / 1e6).toFixed(1),
      totalMb: (this.totalBytes / 1e6).toFixed(1),
      rate: seconds > 0 ? formatRate(this.rows / seconds) : '0',
    };
  }

  stop(): void {
    this.bar?.stop();
  }
}

/** 1234567 -> '1.23 M', 45678 -> '45.7 k', 950 -> '950'. */
export function formatRate(perSecond: number): string {
  if (perSecond >= 1e6) return `${(perSecond / 1e6).toFixed(2)} M`;
  if (perSecond >= 1e3) return `${(perSecond / 1e3).toFixed(1)} k`;
  return Math.round(perSecond).toString();
}
