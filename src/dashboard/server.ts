import type http from 'node:http';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import type { ClusterConfig } from '../node/config/cluster.js';
import { REPO_ROOT } from '../node/config/paths.js';
import { CoffeeError, ErrorCode } from '../node/errors.js';
import { ClusterObserver, type ClusterSnapshot, type QueueView } from './collect.js';
import { mergeExpositions } from './prom-text.js';
import { markMetricsWatched } from '../node/metrics.js';
import { QueueWatcher } from './queues.js';
import { createLimitedHttpServer } from '../node/http-limits.js';

/** The page's files, served as they are (plain HTML, CSS and JS: nothing to build, nothing from a CDN). */
const STATIC_DIR = path.join(REPO_ROOT, 'src', 'dashboard', 'static');
const STATIC: Record<string, string> = {
  '/': 'index.html',
  '/index.html': 'index.html',
  '/app.js': 'app.js',
  '/graph.js': 'graph.js',
  '/style.css': 'style.css',
};
const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};
const TICK_MS = 1000;
const QUEUES_EVERY_MS = 2000;
/** A metrics file not rewritten for this long belongs to a node that is gone. */
const METRICS_STALE_MS = 15_000;
/** Event streams at once (a browser tab is one); more are told 503. */
const MAX_WATCHERS = 16;
/** Bytes of snapshots queued for one watcher that does not read; past it the watcher is dropped. */
const MAX_WATCHER_BACKLOG = 1 << 20;

export class DashboardPortError extends CoffeeError {
  constructor(port: number) {
    super(ErrorCode.DASHBOARD_PORT, `dashboard port ${port} is in use (set ports.dashboard in the cluster config)`);
  }
}

export interface Dashboard {
  url: string;
  close(): Promise<void>;
}

/**
 * The dashboard's HTTP server, in the supervisor's process (never in a node): `/` the page,
 * `/events` the live state as server-sent events (one snapshot a second, computed only while
 * someone watches), `/api/state` one snapshot, `/metrics` every node's metrics in one
 * exposition (labelled by node).
 */
export async function startDashboard(opts: {
  config: Readonly<ClusterConfig>;
  configFile: string;
  port?: number;
  host?: string;
}): Promise<Dashboard> {
  const observer = new ClusterObserver(opts.config, opts.configFile);
  const queues = new QueueWatcher(opts.config);
  const clients = new Set<http.ServerResponse>();
  let lastQueues: QueueView[] = [];
  let queuesAt = 0;
  let queuesBusy = false;
  let timer: NodeJS.Timeout | undefined;
  let latest: ClusterSnapshot | undefined;

  const refreshQueues = (sessions: string[]): void => {
    if (queuesBusy || Date.now() - queuesAt < QUEUES_EVERY_MS) return;
    queuesBusy = true;
    queues
      .depths(sessions)
      .then((q) => {
        lastQueues = q;
        queuesAt = Date.now();
      })
      .catch(() => undefined)
      .finally(() => (queuesBusy = false));
  };
  const snapshot = (): ClusterSnapshot => {
    latest = observer.snapshot(lastQueues);
    refreshQueues(latest.sessions.map((s) => s.id));
    return latest;
  };
  const tick = (): void => {
    const data = `data: ${JSON.stringify(snapshot())}\n\n`;
    for (const res of clients) {
      // A watcher that stopped reading would make us queue a snapshot a second, for ever.
      if (res.writableLength > MAX_WATCHER_BACKLOG) res.destroy();
      else res.write(data);
    }
  };
  const watch = (res: http.ServerResponse): void => {
    if (clients.size >= MAX_WATCHERS) return void res.writeHead(503, { 'content-type': 'text/plain' }).end('too many watchers\n');
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    res.write(`retry: 1000\ndata: ${JSON.stringify(latest ?? snapshot())}\n\n`);
    clients.add(res);
    timer ??= setInterval(tick, TICK_MS);
    res.on('close', () => {
      clients.delete(res);
      if (clients.size === 0 && timer) {
        clearInterval(timer);
        timer = undefined;
      }
    });
  };

  const server = createLimitedHttpServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (req.method !== 'GET') return void res.writeHead(405).end();
    const file = STATIC[url.pathname];
    if (file) {
      try {
        const body = readFileSync(path.join(STATIC_DIR, file));
        return void res.writeHead(200, { 'content-type': TYPES[path.extname(file)], 'cache-control': 'no-cache' }).end(body);
      } catch {
        return void res.writeHead(500).end();
      }
    }
    switch (url.pathname) {
      case '/favicon.ico':
        // No icon: answered, so a browser's automatic request is not a 404 in its console.
        return void res.writeHead(204).end();
      case '/events':
        return watch(res);
      case '/api/state':
        return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(snapshot()));
      case '/metrics':
        return void res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' }).end(metricsText(observer.runDir));
      default:
        return void res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
    }
  });
  const host = opts.host ?? '127.0.0.1';
  const port = opts.port ?? opts.config.ports.dashboard;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => reject(err.code === 'EADDRINUSE' ? new DashboardPortError(port) : err));
    server.listen(port, host, resolve);
  });
  return {
    url: `http://${host}:${port}/`,
    close: async () => {
      if (timer) clearInterval(timer);
      for (const res of clients) res.end();
      clients.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await queues.close().catch(() => undefined);
    },
  };
}

/** Every live node's exposition (`<run>/metrics/<id>.prom`), merged into one. */
function metricsText(runDir: string): string {
  markMetricsWatched(runDir);
  const dir = path.join(runDir, 'metrics');
  let names: string[] = [];
  try {
    names = readdirSync(dir).filter((n) => n.endsWith('.prom'));
  } catch {
    return '';
  }
  const now = Date.now();
  const texts: string[] = [];
  for (const name of names.sort()) {
    const file = path.join(dir, name);
    try {
      if (now - statSync(file).mtimeMs > METRICS_STALE_MS) continue;
      texts.push(readFileSync(file, 'utf8'));
    } catch {
      // replaced meanwhile
    }
  }
  return mergeExpositions(texts);
}
