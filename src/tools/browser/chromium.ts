import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { BrowserContext, BrowserType } from 'playwright-core';
import { CoffeeError, ErrorCode } from '../../node/errors.js';

/** Debian's chromium: playwright-core drives it; no browser is downloaded. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * Flags for a quiet, isolated headless run: no sandbox (it may run as root), no GPU, and no
 * traffic of the browser's own (updates, sync, QUIC probes) that would blur what a page requests.
 */
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export class BrowserUnavailableError extends CoffeeError {
  constructor(message: string) {
    super(ErrorCode.BROWSER_UNAVAILABLE, message);
  }
}

export interface HeadlessBrowser {
  context: BrowserContext;
  /** Closes the browser and deletes its profile. */
  close(): Promise<void>;
}

/**
 * A headless chromium with a fresh profile. For the tools that look at the cluster the way a user
 * does (`bench --dashboard`, the screenshots): playwright-core is a devDependency, loaded only here.
 */
export async function launchChromium(viewport = { width: 1100, height: 900 }): Promise<HeadlessBrowser> {
  if (!existsSync(CHROMIUM))
    throw new BrowserUnavailableError(
      `no chromium at ${CHROMIUM}: install it (Debian/Ubuntu: apt-get install chromium) or set CHROMIUM_PATH`,
    );
  let chromium: BrowserType;
  try {
    ({ chromium } = await import('playwright-core'));
  } catch {
    throw new BrowserUnavailableError('playwright-core is not installed: it is a devDependency, run `npm ci` (not `--omit=dev`)');
  }
  const profile = mkdtempSync(path.join(tmpdir(), 'chromium-profile-'));
  try {
    // launchPersistentContext is how a --user-data-dir is given to playwright.
    const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: FLAGS, viewport });
    return {
      context,
      async close() {
        await context.close();
        rmSync(profile, { recursive: true, force: true });
      },
    };
  } catch (err) {
    rmSync(profile, { recursive: true, force: true });
    throw err;
  }
}
