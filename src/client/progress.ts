import cliProgress from 'cli-progress';

/** Upload progress on stderr (only where a person watches: a TTY). */
export class UploadProgress {
  private readonly bar: cliProgress.SingleBar | undefined;
  private value = 0;

  constructor(totalBytes: number, enabled: boolean) {
    if (!enabled) return;
    this.bar = new cliProgress.SingleBar(
      {
        format: 'uploading |{bar}| {percentage}% {value}/{total} MB | {table} | rejected {rejected}',
        stream: process.stderr,
        hideCursor: true,
      },
      cliProgress.Presets.shades_classic,
    );
    this.bar.start(Math.max(1, Math.round(totalBytes / 1e6)), 0, { table: '', rejected: 0 });
  }

  update(bytes: number, table: string, rejected: number): void {
    this.value += bytes;
    this.bar?.update(Math.round(this.value / 1e6), { table, rejected });
  }

  stop(): void {
    this.bar?.stop();
  }
}
