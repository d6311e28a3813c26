import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { CHROMIUM, launchChromium as launch, type HeadlessBrowser } from '../tools/browser/chromium.js';

export { CHROMIUM };

/** Installs Debian's `chromium` package when the browser is missing (the test set-up; needs root). */
export function ensureChromium(): string {
  if (existsSync(CHROMIUM)) return CHROMIUM;
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['update'], { stdio: 'ignore', env });
  execFileSync('apt-get', ['install', '-y', '--no-install-recommends', 'chromium'], { stdio: 'ignore', env });
  if (!existsSync(CHROMIUM)) throw new Error(`chromium not found at ${CHROMIUM} after apt-get install chromium`);
  return CHROMIUM;
}

/** The tests' headless chromium: installed first if missing, then the tools' launcher (fresh profile, deleted on close). */
export async function launchChromium(viewport?: { width: number; height: number }): Promise<HeadlessBrowser> {
  ensureChromium();
  return launch(viewport);
}
