import { parseFlags } from './flags.js';
import path from 'node:path';
import { loadClusterConfig, gatewayPorts } from '../../node/config/cluster.js';
import { UsageError } from '../../node/errors.js';
import { runClient } from '../../client/client.js';
import { writeFileSync } from 'node:fs';
import type { ClientResources, ClientSummary } from '../../client/options.js';
import { describeDataQuality } from '../../queries/data-quality.js';
import { MAX_BATCH_PAYLOAD_BYTES } from '../../protocol/wire/messages.js';
import { readerFiles, readerTable, serveTableReader } from '../../client/reader-process.js';
import { ownResources, readersFlag } from '../../client/options.js';

const USAGE =
  'usage: coffee-analysis client --data DIR --out DIR [--gateways host:port,...]\n' +
  "  --gateways LIST   gateways to pick from at random (default: the local cluster's)\n" +
  `  --batch-kb N      largest batch in KiB (default and most ${Math.floor(MAX_BATCH_PAYLOAD_BYTES / 1024)}: what fits a gateway frame)\n` +
  '  --window N        batches in flight before waiting for acks (default 8)\n' +
  '  --retry-for S     keep retrying busy/unreachable gateways this long (default 60)\n' +
  '  --idle-timeout S  fail (ERR_CLIENT_TIMEOUT) when no frame arrives from a gateway for S seconds while\n' +
  '                    waiting on it (default 120; gateways send a keepalive every 15 s; 0: no limit)\n' +
  '  --max-record-kb N  largest CSV record in KiB (default 1024); a longer one fails naming file and line\n' +
  '  --tls             connect with TLS; --ca FILE trusts that CA (or self-signed certificate)\n' +
  '  --token T         client token, when the gateways require one (or env COFFEE_TOKEN)\n' +
  '  --progress / --no-progress   progress bar on stderr (default: when it is a terminal)\n' +
  '  --summary-json FILE          also write the run summary as JSON\n' +
  '  --no-html                    only the CSV files, no report.html\n' +
  "  --readers auto|1|2  processes reading the dataset: 2 reads the largest table's later files in a\n" +
  '                    second process at the same time (default auto: 2 from a 1 GiB table, on 2+ cores)';

/** The local cluster's gateways, as `127.0.0.1:port`. */
export function localGateways(): string[] {
  const cluster = loadClusterConfig();
  return Array.from({ length: cluster.replicas.gateway }, (_, i) => `127.0.0.1:${gatewayPorts(cluster, i).port}`);
}

export function printSummary(s: ClientSummary, out: string): void {
  const mb = s.inputBytes / 1e6;
  const rows = Object.values(s.rows).reduce((a, b) => a + b, 0);
  process.stdout.write(
    `session ${s.session}: ${rows} rows (${mb.toFixed(1)} MB) in ${s.seconds.toFixed(2)} s, ${(mb / s.seconds).toFixed(1)} MB/s; reports in ${out}` +
      (s.rejected > 0 ? `; ${s.rejected} rows rejected (see ${s.rejectsFile})` : '') +
      (s.reconnects > 0 ? `; resumed ${s.reconnects} time(s) after a gateway loss` : '') +
      '\n',
  );
  // Rows whose store / item / user is missing from its reference table: they count, but a name is empty.
  const dq = describeDataQuality(s.dataQuality);
  if (dq.length > 0) process.stdout.write(`data quality (see the README, "Data quality"):\n${dq.map((l) => `  ${l}\n`).join('')}`);
}

/** `--idle-timeout S` in ms: a number of seconds, 0 for no limit; unset: the default. */
function idleTimeoutMs(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || n < 0)
    throw new UsageError('client: --idle-timeout must be a number of seconds (0: no limit)');
  return Math.round(n * 1000);
}

/** `coffee-analysis client --data DIR --out DIR [--gateways host:port,...]` */
export async function run(argv: string[]): Promise<number> {
  const { values } = parseFlags(
    'client',
    {
      args: argv,
      options: {
        data: { type: 'string' },
        out: { type: 'string' },
        gateways: { type: 'string' },
        'batch-kb': { type: 'string' },
        window: { type: 'string' },
        'retry-for': { type: 'string' },
        'idle-timeout': { type: 'string' },
        'no-progress': { type: 'boolean', default: false },
        'no-html': { type: 'boolean', default: false },
        progress: { type: 'boolean', default: false },
        'summary-json': { type: 'string' },
        'max-record-kb': { type: 'string' },
        tls: { type: 'boolean', default: false },
        ca: { type: 'string' },
        token: { type: 'string' },
        readers: { type: 'string' },
        // The reader process a client starts (src/client/reader-process.ts), not for people.
        'read-table': { type: 'string' },
        'batch-bytes': { type: 'string' },
        'max-record-bytes': { type: 'string' },
        'max-row-bytes': { type: 'string' },
        files: { type: 'string' },
      },
    },
    USAGE,
  );
  if (!values.data) throw new UsageError('client: --data DIR is required');
  if (values['read-table'] !== undefined) {
    const bytes = (name: 'batch-bytes' | 'max-record-bytes' | 'max-row-bytes'): number => {
      const n = Number(values[name]);
      if (!Number.isSafeInteger(n) || n <= 0) throw new UsageError(`client: --${name} must be a positive integer`);
      return n;
    };
    return serveTableReader(path.resolve(values.data), readerTable(values['read-table']), {
      maxBatchBytes: bytes('batch-bytes'),
      maxRecordBytes: bytes('max-record-bytes'),
      maxRowBytes: bytes('max-row-bytes'),
      files: readerFiles(values.files),
    });
  }
  if (!values.out) throw new UsageError('client: --out DIR is required');
  const gateways = values.gateways
    ? values.gateways
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
    : localGateways();
  const num = (v: string | undefined, name: string): number | undefined => {
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0) throw new UsageError(`client: --${name} must be a positive number`);
    return n;
  };
  const summary = await runClient({
    data: path.resolve(values.data),
    out: path.resolve(values.out),
    gateways,
    maxBatchBytes: num(values['batch-kb'], 'batch-kb') !== undefined ? num(values['batch-kb'], 'batch-kb')! * 1024 : undefined,
    window: num(values.window, 'window'),
    retryForMs: num(values['retry-for'], 'retry-for') !== undefined ? num(values['retry-for'], 'retry-for')! * 1000 : undefined,
    idleTimeoutMs: idleTimeoutMs(values['idle-timeout']),
    progress: values['no-progress'] ? false : values.progress ? true : undefined,
    htmlReport: !values['no-html'],
    onNotice: (line) => process.stderr.write(`${line}\n`),
    maxRecordBytes:
      num(values['max-record-kb'], 'max-record-kb') !== undefined ? num(values['max-record-kb'], 'max-record-kb')! * 1024 : undefined,
    tls: values.tls || values.ca !== undefined ? { ca: values.ca } : undefined,
    authToken: values.token ?? process.env.COFFEE_TOKEN,
    readers: readersFlag(values.readers, 'client'),
  });
  printSummary(summary, values.out);
  if (values['summary-json']) {
    const own = ownResources();
    // A reader process's CPU is the client's too; the peak RSS is the larger process's (each is bounded on its own).
    const r = summary.readerResources;
    const resources: ClientResources = r
      ? { cpuSeconds: own.cpuSeconds + r.cpuSeconds, maxRssBytes: Math.max(own.maxRssBytes, r.maxRssBytes) }
      : own;
    writeFileSync(values['summary-json'], JSON.stringify({ ...summary, resources }));
  }
  return 0;
}
