#!/usr/bin/env node
// Makes the README's pictures from a real run (issue 10): docs/dashboard-chaos.png, the dashboard
// in headless chromium while one client runs and chaos SIGKILLs a random node every second, and
// docs/report.png, that client's report.html opened from disk.
//   npm run build && node scripts/screenshots.js [--scale 0.02]
/* global AbortController, document */
// Uses the benchmark's isolated cluster (own ports and queues) and its dataset cache (data/bench).
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { startBenchCluster } from '../dist/tools/bench/bench-cluster.js';
import { ensureDataset } from '../dist/tools/bench/dataset-cache.js';
import { openDashboardViewer } from '../dist/tools/bench/dashboard-viewer.js';
import { launchChromium } from '../dist/tools/browser/chromium.js';
import { runChaos } from '../dist/tools/chaos/chaos.js';
import { runClient } from '../dist/client/client.js';
import { REPO_ROOT } from '../dist/node/config/paths.js';

const { values } = parseArgs({ options: { scale: { type: 'string', default: '0.02' } } });
const docs = path.join(REPO_ROOT, 'docs');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'coffee-shots-'));
const log = (s) => process.stderr.write(`${s}\n`);

const data = await ensureDataset(path.join(REPO_ROOT, 'data', 'bench'), Number(values.scale), 1);
log(`dataset ${data.dir}`);
const bc = await startBenchCluster(tmp);
let browser;
try {
  // The viewer serves the dashboard; a second, larger browser window takes the picture.
  const viewer = await openDashboardViewer({ config: bc.config, configFile: bc.cluster.configFile });
  browser = await launchChromium({ width: 1400, height: 1000 });
  const page = browser.context.pages()[0] ?? (await browser.context.newPage());
  await page.goto(viewer.url);
  const abort = new AbortController();
  const kills = [];
  const chaos = runChaos({ cluster: bc.config, intervalMs: 1000, kill: 1, signal: abort.signal, onKill: (k) => kills.push(k) });
  const out = path.join(tmp, 'out');
  const client = runClient({ data: data.dir, out, gateways: bc.cluster.gateways(), progress: false, maxBatchBytes: 64 * 1024 });
  // The moment worth showing: a session in flight and at least three kills on the timeline.
  await page.locator('#sessions .session').first().waitFor({ timeout: 120_000 });
  await page.waitForFunction(() => document.querySelectorAll('#timeline li[data-type="dead"]').length >= 3, undefined, {
    timeout: 120_000,
  });
  await page.screenshot({ path: path.join(docs, 'dashboard-chaos.png'), fullPage: true });
  log(`docs/dashboard-chaos.png written (${kills.length} kills so far)`);
  const summary = await client;
  abort.abort();
  await chaos;
  await viewer.close();
  await page.setViewportSize({ width: 1100, height: 900 });
  await page.goto(`file://${summary.htmlReport}`);
  await page.screenshot({ path: path.join(docs, 'report.png'), fullPage: true });
  log(`docs/report.png written (session ${summary.session}, ${kills.length} nodes SIGKILLed during the run)`);
} finally {
  await browser?.close();
  await bc.stop();
  rmSync(tmp, { recursive: true, force: true });
}
