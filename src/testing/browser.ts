import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';

/** Debian's chromium: playwright-core drives it; no browser is downloaded. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * Flags for a quiet, isolated headless run: no sandbox (tests may run as root), no GPU, and no
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

/** Installs Debian's `chromium` package when the browser is missing (the test set-up; needs root). */
export function ensureChromium(): string {
  if (existsSync(CHROMIUM)) return CHROMIUM;
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['update'], { stdio: 'ignore', env });
  execFileSync('apt-get', ['install', '-y', '--no-install-recommends', 'chromium'], { stdio: 'ignore', env });
  if (!existsSync(CHROMIUM)) throw new Error(`chromium not found at ${CHROMIUM} after apt-get install chromium`);
  return CHROMIUM;
}

/** A headless chromium with a fresh profile (deleted on close). */
export async function launchChromium(
  viewport = { width: 1100, height: 900 },
): Promise<{ context: BrowserContext; close(): Promise<void> }> {
  const executablePath = ensureChromium();
  const profile = mkdtempSync(path.join(tmpdir(), 'chromium-profile-'));
  // launchPersistentContext is how a --user-data-dir is given to playwright.
  const context = await chromium.launchPersistentContext(profile, { executablePath, headless: true, args: FLAGS, viewport });
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
