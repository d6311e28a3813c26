import { nodeCount, type ClusterConfig } from '../../node/config/cluster.js';
import { startDashboard } from '../../dashboard/server.js';
import { launchChromium } from '../browser/chromium.js';

/** The dashboard served and open in a headless browser, as an operator watching the run would have it. */
export interface DashboardViewer {
  url: string;
  close(): Promise<void>;
}

/** How long the page may take to show every node alive before the viewer gives up. */
const READY_MS = 60_000;

/**
 * Serves the bench cluster's dashboard and opens it in headless chromium; resolves once the page
 * lists every node of the config as alive (so the run is measured with the live page already
 * streaming updates).
 */
export async function openDashboardViewer(opts: { config: ClusterConfig; configFile: string }): Promise<DashboardViewer> {
  const nodes = nodeCount(opts.config);
  const dashboard = await startDashboard({ config: opts.config, configFile: opts.configFile });
  let browser: Awaited<ReturnType<typeof launchChromium>> | undefined;
  try {
    browser = await launchChromium();
    const page = browser.context.pages()[0] ?? (await browser.context.newPage());
    await page.goto(dashboard.url);
    await page.waitForFunction((n) => document.querySelectorAll('#nodes tr[data-state="alive"]').length === n, nodes, {
      timeout: READY_MS,
    });
  } catch (err) {
    await browser?.close();
    await dashboard.close();
    throw err;
  }
  const open = browser;
  let closed: Promise<void> | undefined;
  return {
    url: dashboard.url,
    // Idempotent: the bench closes it when the clock stops and again on its way out.
    close() {
      closed ??= open.close().then(() => dashboard.close());
      return closed;
    },
  };
}
