import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import type { BrowserContext, Page } from 'playwright-core';
import { launchChromium } from '../testing/browser.js';
import { runClient } from '../client/client.js';
import { signal } from '../node/processes.js';
import { startTestCluster, dataset, eventually, tempDir, type TestCluster } from '../testing/harness.js';
import { ensureDebianPackage } from '../testing/system-packages.js';
import { startDashboard, type Dashboard } from './server.js';

/**
 * The dashboard of a real cluster (real processes, the real broker) in a real headless browser
 * (Debian's chromium through playwright-core): every node alive, a client's session with
 * progress that moves, a SIGKILLed node going restarting → alive with the death on the
 * timeline; and the served metrics pass `promtool check metrics`.
 */
const NODES = 21;
let tc: TestCluster;
let dashboard: Dashboard;
let context: BrowserContext;
let page: Page;
let browser: Awaited<ReturnType<typeof launchChromium>> | undefined;

before(async () => {
  ensureDebianPackage('promtool', 'prometheus');
  tc = await startTestCluster();
  dashboard = await startDashboard({ config: tc.cluster.config, configFile: tc.configFile });
  // The one headless-chromium launcher of the tests (flags, fresh profile, clean-up).
  browser = await launchChromium();
  context = browser.context;
  page = context.pages()[0] ?? (await context.newPage());
});

after(async () => {
  await browser?.close();
  await dashboard?.close();
  await tc?.stop();
});

const aliveCount = (): Promise<number> => page.locator('#nodes tr[data-state="alive"]').count();

test('the page lists every node of the cluster as alive, from the cluster alone (no request leaves it)', async () => {
  const foreign: string[] = [];
  page.on('request', (r) => {
    if (!r.url().startsWith(dashboard.url)) foreign.push(r.url());
  });
  await page.goto(dashboard.url);
  await page.waitForFunction((n) => document.querySelectorAll('#nodes tr[data-state="alive"]').length === n, NODES, { timeout: 60_000 });
  assert.equal(await aliveCount(), NODES);
  assert.equal(await page.locator('#nodes tbody tr').count(), NODES);
  await page.waitForFunction(() => document.querySelector('#leader')?.textContent?.startsWith('egg-of-life-') === true, undefined, {
    timeout: 30_000,
  });
  assert.equal(await page.locator('#graph g[data-stage]').count(), 8, 'the gateway and the seven worker stages');
  assert.deepEqual(foreign, []);
});

test('the served metrics (every node, labelled by node) pass promtool check metrics', async () => {
  // A node writes its first exposition 1-2 s after it starts (metrics.ts, on the grid), so
  // being alive (heartbeats) does not mean its metrics are served yet: wait for every node's.
  const ids = tc.cluster.nodes().map((n) => n.id);
  assert.equal(ids.length, NODES);
  let text = '';
  const missing = (): string[] => ids.filter((id) => !text.includes(`process_cpu_seconds_total{node="${id}"`));
  await eventually(
    async () => {
      text = await (await fetch(`${dashboard.url}metrics`)).text();
      return missing().length === 0;
    },
    30_000,
    () => `every node's metrics on /metrics; missing: ${missing().join(', ')}`,
  );
  for (const name of [
    'coffee_messages_in_total',
    'coffee_batch_duration_seconds_bucket',
    'coffee_heartbeat_age_seconds',
    'process_cpu_seconds_total',
  ])
    assert.match(text, new RegExp(`^${name}\\{`, 'm'), name);
  assert.match(text, /^coffee_messages_in_total\{node="gateway-1",kind="gateway"\}/m);
  const check = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
  assert.equal(check.status, 0, `promtool: ${check.stdout}${check.stderr}`);
});

test('a client’s session shows with progress that moves; a SIGKILLed node goes restarting, then alive, and its death is on the timeline', async () => {
  const data = await dataset({ scale: 0.01, seed: 7 });
  // Small batches, one in flight at a time: the upload lasts several of the page's 1 s refreshes
  // (~9 s here), so progress is seen moving rather than jumping to the end. With 32 KiB batches
  // and the default window, this session took ~1.4 s once the pipeline got faster (issue 11).
  const client = runClient({ data, out: tempDir('dash-out'), gateways: tc.cluster.gateways(), maxBatchBytes: 8 * 1024, window: 1 });
  const session = page.locator('#sessions .session').first();
  await session.waitFor({ timeout: 60_000 });
  const received = async (): Promise<number> => Number(await session.locator('.stage[data-stage="source"]').getAttribute('data-received'));
  const first = await received();
  await page.waitForFunction(
    (n) => Number(document.querySelector('#sessions .session .stage[data-stage="source"]')?.getAttribute('data-received')) > n,
    first,
    { timeout: 60_000 },
  );

  const victim = tc.cluster.nodes().find((n) => n.id === 'q3-agg-1');
  assert.ok(victim, 'q3-agg-1 is running');
  signal(victim.pid, 'SIGKILL');
  const row = page.locator('#nodes tr[data-node="q3-agg-1"]');
  await page.waitForFunction(
    () => document.querySelector('#nodes tr[data-node="q3-agg-1"]')?.getAttribute('data-state') === 'restarting',
    undefined,
    {
      timeout: 30_000,
    },
  );
  await page.waitForFunction(
    (pid) => {
      const tr = document.querySelector('#nodes tr[data-node="q3-agg-1"]');
      return tr?.getAttribute('data-state') === 'alive' && tr.children[2]?.textContent !== String(pid);
    },
    victim.pid,
    { timeout: 60_000 },
  );
  assert.equal(await row.getAttribute('data-state'), 'alive');
  await page.locator('#timeline li[data-node="q3-agg-1"][data-type="dead"]').waitFor({ timeout: 30_000 });
  await page.locator('#timeline li[data-node="q3-agg-1"][data-type="restart"]').waitFor({ timeout: 30_000 });
  assert.equal(await page.locator('#nodes tr[data-node="q3-agg-1"] td').nth(4).textContent(), '1', 'one restart counted');

  const summary = await client;
  assert.ok(summary.session);
  // Once delivered, the session leaves the page.
  await page.waitForFunction(() => document.querySelectorAll('#sessions .session').length === 0, undefined, { timeout: 60_000 });
});
