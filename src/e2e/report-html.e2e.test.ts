import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { dataset, tempDir } from '../testing/harness.js';
import { launchChromium } from '../testing/browser.js';
import { writeReferenceReport } from '../tools/reference/report.js';
import { REPORT_HTML } from '../queries/report-html.js';

/**
 * report.html in a real browser (Debian's chromium driven by playwright-core): opened from
 * disk, every query shows its chart, and the page asks the network for nothing.
 */
let browser: Awaited<ReturnType<typeof launchChromium>>;
before(async () => {
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
});

const CHARTS = { q1: 1, q2: 2, q3: 1, q4: 1 } as const;

test('report.html from disk: one visible chart per query (two for Q2), and no network request', async () => {
  const data = await dataset({ scale: 0.001, seed: 11, hardCases: true, badRows: true });
  const out = tempDir('coffee-report-');
  const { html } = await writeReferenceReport(data, out);

  const page = await browser.context.newPage();
  const requested: string[] = [];
  const blocked: string[] = [];
  page.on('request', (r) => requested.push(r.url()));
  // Anything but the file itself is refused and recorded: a page that needed the network would break here.
  await page.route('**/*', async (route) => {
    const url = route.request().url();
    if (url.startsWith('file://')) return route.continue();
    blocked.push(url);
    return route.abort();
  });
  const url = pathToFileURL(path.join(out, REPORT_HTML)).href;
  await page.goto(url, { waitUntil: 'load' });

  for (const [q, n] of Object.entries(CHARTS)) {
    const charts = page.locator(`section[data-query="${q}"] figure.chart > svg`);
    assert.equal(await charts.count(), n, `${q}: ${n} chart(s)`);
    for (let i = 0; i < n; i++) {
      const svg = charts.nth(i);
      assert.ok(await svg.isVisible(), `${q} chart ${i + 1} visible`);
      const box = await svg.boundingBox();
      assert.ok(box !== null && box.width > 200 && box.height > 100, `${q} chart ${i + 1} has a size (${JSON.stringify(box)})`);
      assert.ok((await svg.locator('.mark-rect path').count()) > 0, `${q} chart ${i + 1} draws bars`);
    }
  }
  assert.ok(await page.locator('section#data-quality').isVisible());
  assert.equal(await page.locator('header table.facts').isVisible(), true);

  assert.deepEqual(blocked, [], 'no request left the file system');
  assert.deepEqual(requested, [url], 'the page loaded nothing but itself');

  if (process.env.REPORT_SCREENSHOT) await page.screenshot({ path: process.env.REPORT_SCREENSHOT, fullPage: true });
  await page.close();
  process.stdout.write(
    `# report.html: charts rendered in ${Math.round(html.chartMs)} ms (libraries loaded in ${Math.round(html.loadMs)} ms)\n`,
  );
});
