import { fileURLToPath } from 'node:url';
import path from 'node:path';

/** Repository root, resolved from this compiled file (dist/node/config/paths.js, or dist-test/… for the test build). */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/** A component's `config.yaml`, kept next to its sources (`src/<component>/config.yaml`). */
export function componentConfigFile(component: string): string {
  return path.join(REPO_ROOT, 'src', component, 'config.yaml');
}

/** The launcher every node and tool is started through. */
export const CLI_BIN = path.join(REPO_ROOT, 'bin', 'coffee-analysis.js');
