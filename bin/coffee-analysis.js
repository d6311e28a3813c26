#!/usr/bin/env node
// Thin launcher. `npm run build` (run by `npm ci` through the prepare script) writes the
// compiled CLI to dist/ and one esbuild bundle of it to dist/bundle/bin/main.js; the bundle
// starts faster (one file to load instead of ~150 modules), so it is used when present.
// `node <kind> ...` (a node of the cluster) and `client ...` run dist/bundle/cached/<command>.cjs
// instead, with the V8 code cache the build made for it (src/tools/cli/code-cache.ts; README
// "Start-up"). COFFEE_NO_BUNDLE=1 runs the unbundled dist/ (to compare, or to debug module by module).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const CACHED = ['node', 'client', 'start'];
const bundled = process.env.COFFEE_NO_BUNDLE !== '1';
const command = process.argv[2];
const cached = CACHED.includes(command) ? fileURLToPath(new URL(`../dist/bundle/cached/${command}.cjs`, import.meta.url)) : '';
if (bundled && cached && existsSync(cached)) {
  const { cacheFileFor, loadCachedBundle } = await import('../dist/tools/cli/code-cache.js');
  // The cache made under this process's flags (the bulk nodes', src/node/v8-flags.ts), else the plain one.
  const own = cacheFileFor(cached, process.execArgv);
  loadCachedBundle(cached, existsSync(own) ? own : `${cached}.cache`).exports.main(process.argv.slice(3));
} else {
  const bundle = new URL('../dist/bundle/bin/main.js', import.meta.url);
  const entry = bundled && existsSync(bundle) ? bundle.href : '../dist/tools/cli/main.js';
  import(entry).catch((err) => {
    if (err && err.code === 'ERR_MODULE_NOT_FOUND') {
      process.stderr.write('coffee-analysis: not built yet; run `npm ci` (or `npm run build`) first\n');
      process.exit(1);
    }
    throw err;
  });
}
