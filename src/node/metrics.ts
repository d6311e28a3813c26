import type http from 'node:http';
import { mkdirSync, renameSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { everyOnGrid } from './grid-timer.js';
import { createLimitedHttpServer } from './http-limits.js';

/**
 * This process's Prometheus metrics (prom-client). One registry per process, created on first
 * use; every sample carries `node` and `kind` labels so several nodes' expositions can be served
 * side by side (the local cluster's dashboard concatenates them into one scrape target).
 * Recording is a counter increment: cheap enough for every message.
 */
export interface NodeMetrics {
  registry: Registry;
  messagesIn: Counter;
  bytesIn: Counter;
  messagesOut: Counter;
  bytesOut: Counter;
  /** Time to handle one consumed message (a batch, a counter report, a control message). */
  batchSeconds: Histogram;
  rowsIn: Counter<'table'>;
  rowsFiltered: Counter<'table'>;
  walBytes: Counter;
  fsyncSeconds: Histogram;
  sessionsOpen: Gauge;
  dedupDropped: Counter;
  restarts: Counter<'target'>;
  heartbeatAge: Gauge<'target'>;
  leaderChanges: Counter;
  isLeader: Gauge;
}

let current: NodeMetrics | undefined;

function create(labels: Record<string, string>): NodeMetrics {
  const registry = new Registry();
  registry.setDefaultLabels(labels);
  // prom-client samples event-loop delay with a timer every 10 ms by default: 100 wake-ups a
  // second in each of 21 idle processes cost ~9 % of a core (measured, issue 11); a 100 ms
  // resolution still shows a stalled loop.
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 100 });
  // Gauges that prom-client names `_total`: `promtool check metrics` rejects them (counters only).
  for (const name of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'])
    registry.removeSingleMetric(name);
  const registers = [registry];
  const fast = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];
  return {
    registry,
    messagesIn: new Counter({ name: 'coffee_messages_in_total', help: 'Messages consumed from the broker.', registers }),
    bytesIn: new Counter({ name: 'coffee_in_bytes_total', help: 'Payload bytes of the messages consumed.', registers }),
    messagesOut: new Counter({ name: 'coffee_messages_out_total', help: 'Messages published (confirmed or not).', registers }),
    bytesOut: new Counter({ name: 'coffee_out_bytes_total', help: 'Payload bytes of the messages published.', registers }),
    batchSeconds: new Histogram({
      name: 'coffee_batch_duration_seconds',
      help: 'Time from delivery to ack of one consumed message.',
      buckets: fast,
      registers,
    }),
    rowsIn: new Counter({ name: 'coffee_rows_in_total', help: 'Rows received by a filter, per table.', labelNames: ['table'], registers }),
    rowsFiltered: new Counter({
      name: 'coffee_rows_filtered_total',
      help: 'Rows a filter dropped (outside the years, the hour window or the amount), per table.',
      labelNames: ['table'],
      registers,
    }),
    walBytes: new Counter({ name: 'coffee_wal_written_bytes_total', help: 'Bytes appended to write-ahead logs.', registers }),
    fsyncSeconds: new Histogram({
      name: 'coffee_fsync_duration_seconds',
      help: 'Time of one write-ahead log group commit (write + fdatasync).',
      buckets: fast,
      registers,
    }),
    sessionsOpen: new Gauge({ name: 'coffee_sessions_open', help: 'Sessions this controller is running.', registers }),
    dedupDropped: new Counter({
      name: 'coffee_dedup_dropped_total',
      help: 'Redelivered messages recognised as duplicates and discarded.',
      registers,
    }),
    restarts: new Counter({
      name: 'coffee_egg_restarts_total',
      help: 'Nodes this Egg of Life replica restarted, per restarted node.',
      labelNames: ['target'],
      registers,
    }),
    heartbeatAge: new Gauge({
      name: 'coffee_heartbeat_age_seconds',
      help: 'Time since the last heartbeat of each node, as this Egg of Life replica sees it.',
      labelNames: ['target'],
      registers,
    }),
    leaderChanges: new Counter({
      name: 'coffee_egg_leader_changes_total',
      help: 'Leader changes this Egg of Life replica has seen.',
      registers,
    }),
    isLeader: new Gauge({ name: 'coffee_egg_is_leader', help: '1 while this Egg of Life replica leads.', registers }),
  };
}

/** This process's metrics; the first call names the node (later calls return the same set). */
export function nodeMetrics(labels: { node: string; kind: string } = { node: 'unnamed', kind: 'none' }): NodeMetrics {
  current ??= create(labels);
  return current;
}

/** The metrics if a node created them, else undefined: shared code records only inside nodes. */
export function metricsIfEnabled(): NodeMetrics | undefined {
  return current;
}

/** Where node `id` of a run dir leaves its exposition for the dashboard. */
export function metricsFile(runDir: string, id: string): string {
  return path.join(runDir, 'metrics', `${id}.prom`);
}

/**
 * Readers of the metrics files (the dashboard) touch this file at every read; while it is
 * recent, nodes write their exposition every second, otherwise only every 10 s. Building the
 * exposition is most of what an idle node spends (measured: ~4 ms per node per second, 21
 * nodes ≈ 9 % of a core on a 2-core machine, with nobody looking).
 */
export function metricsWatchFile(runDir: string): string {
  return path.join(runDir, 'metrics', '.watched');
}

/** Says "someone reads the metrics files now" (best effort, never throws). */
export function markMetricsWatched(runDir: string): void {
  const file = metricsWatchFile(runDir);
  try {
    const now = new Date();
    try {
      utimesSync(file, now, now);
    } catch {
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileSync(file, '');
    }
  } catch {
    // a removed run dir: nobody to tell
  }
}

export interface MetricsCadence {
  /** ms between writes while a reader is around (default 1000). */
  everyMs: number;
  /** ms between writes while nobody reads (default 10 000; below the dashboard's 15 s staleness). */
  idleEveryMs: number;
  /** ms a reader's mark counts as "around" (default 30 000). */
  watchedForMs: number;
}

export const DEFAULT_METRICS_CADENCE: MetricsCadence = { everyMs: 1000, idleEveryMs: 10_000, watchedForMs: 30_000 };

/** Whether a node writes its exposition now (pure: `watchedAt` is the mark's mtime, undefined without one). */
export function metricsDue(now: number, lastWrite: number | undefined, watchedAt: number | undefined, c: MetricsCadence): boolean {
  if (lastWrite === undefined) return true;
  if (watchedAt !== undefined && now - watchedAt < c.watchedForMs) return now - lastWrite >= c.everyMs - 50;
  return now - lastWrite >= c.idleEveryMs;
}

/**
 * Writes the registry's text exposition to `file` (temp + rename, so a reader never sees half
 * of it): every second while someone reads the metrics files, every 10 s otherwise (see
 * `metricsWatchFile`). Files, not a port per node: the local cluster needs no port plan and a
 * reader costs the node nothing. Best effort: never throws into the node.
 */
export function exportMetricsToFile(
  metrics: NodeMetrics,
  file: string,
  watchFile: string,
  cadence: MetricsCadence = DEFAULT_METRICS_CADENCE,
): () => Promise<void> {
  const tmp = `${file}.${process.pid}.tmp`;
  let busy = false;
  let lastWrite: number | undefined;
  const write = async (): Promise<void> => {
    if (busy) return;
    busy = true;
    try {
      const text = await metrics.registry.metrics();
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileSync(tmp, text);
      renameSync(tmp, file);
    } catch {
      // A removed run dir or a full disk must not hurt the node.
    } finally {
      lastWrite = Date.now();
      busy = false;
    }
  };
  const watchedAt = (): number | undefined => {
    try {
      return statSync(watchFile).mtimeMs;
    } catch {
      return undefined;
    }
  };
  everyOnGrid(() => {
    if (metricsDue(Date.now(), lastWrite, watchedAt(), cadence)) void write();
  }, cadence.everyMs);
  return write;
}

/**
 * Serves `GET /metrics` on `port` (containers: one scrape target per node), with the limits of
 * our small HTTP servers (http-limits.ts): a scraper needs one connection, not thousands.
 */
export function serveMetrics(metrics: NodeMetrics, port: number, host = '0.0.0.0'): http.Server {
  const server = createLimitedHttpServer((req, res) => {
    if (req.method !== 'GET' || req.url !== '/metrics') {
      res.writeHead(404).end();
      return;
    }
    metrics.registry.metrics().then(
      (text) => res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(text),
      () => res.writeHead(500).end(),
    );
  });
  server.on('error', () => undefined);
  server.listen(port, host);
  server.unref();
  return server;
}

/**
 * Starts a node's metrics: the exposition file in `<run>/metrics/` (every second while the
 * dashboard reads them, every 10 s otherwise), and, when the
 * cluster config names a metrics port (containers), `GET /metrics` on it.
 */
export function startNodeMetrics(runDir: string, id: string, kind: string, port: number): NodeMetrics {
  const metrics = nodeMetrics({ node: id, kind });
  exportMetricsToFile(metrics, metricsFile(runDir, id), metricsWatchFile(runDir));
  if (port > 0) serveMetrics(metrics, port);
  return metrics;
}
