import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/**
 * Makes sure a Debian package's program is installed (`apt-get install -y`, through sudo when
 * not root), so tests that need a real browser or promtool run rather than skip. Throws with
 * the installer's output when it cannot be installed.
 */
export function ensureDebianPackage(program: string, pkg: string): string {
  const find = (): string | undefined => {
    const r = spawnSync('sh', ['-c', `command -v ${program}`], { encoding: 'utf8' });
    const p = r.stdout.trim();
    return r.status === 0 && p && existsSync(p) ? p : undefined;
  };
  const found = find();
  if (found) return found;
  const root = process.getuid?.() === 0;
  const run = (args: string[]): void =>
    void execFileSync(root ? args[0] : 'sudo', root ? args.slice(1) : ['-n', ...args], { stdio: 'pipe', timeout: 600_000 });
  try {
    run(['apt-get', 'install', '-y', '--no-install-recommends', pkg]);
  } catch {
    // The package lists may be missing or stale on a fresh machine.
    run(['apt-get', 'update']);
    run(['apt-get', 'install', '-y', '--no-install-recommends', pkg]);
  }
  const installed = find();
  if (!installed) throw new Error(`${pkg} installed but ${program} not found`);
  return installed;
}
