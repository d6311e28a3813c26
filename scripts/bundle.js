#!/usr/bin/env node
// Part of `npm run build` (after tsc): bundles each entry point with esbuild into one file, so a
// node process reads and compiles one file instead of ~150 modules plus its dependencies'
// (issue 11: module loading was most of the ~1 s of CPU each of the 21 nodes spent starting).
//   dist/bundle/bin/main.js             the CLI (every node, client, tool); bin/coffee-analysis.js runs it
//   dist/bundle/bin/reference-child.js  the bench's children, found next to the CLI by import.meta.url
//   dist/bundle/bin/duckdb-child.js
// Code splitting: every dynamic import (each CLI command, each node kind's main) becomes its own
// chunk, with shared code in chunk-*.js files, all in the same folder. A node loads the CLI
// entry, the `node` command and its kind's chunks only, not the client, bench, dashboard,
// generator and report renderer (vega) too: importing a tx-filter went from ~0.7 to ~0.4
// CPU-s (issue 11; measured with the import alone, see README "Start-up").
// The bundles sit three folders below the repository, like dist/<dir>/<dir>/x.js, because
// src/node/config/paths.ts finds the repository root from its own file's location.
// Node processes (`coffee-analysis node <kind>`, 21 of them in a local cluster) and clients run
// other bundles instead: dist/bundle/cached/{node,client}.cjs, one CommonJS file each, run
// through V8's code cache next to it (`<name>.cjs.cache`, src/tools/cli/code-cache.ts). The
// cache is made here, by a child that evaluates the bundle's modules (starting nothing) and saves
// the compiled code: a node or client then skips compiling it (issue 11, README "Start-up").
// esbuild is a devDependency like typescript: the build needs the dev tools, the built product
// needs only `dependencies` (build, then `npm prune --omit=dev`).
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import path from 'node:path';

/** The commands that run a code-cached bundle (bin/coffee-analysis.js knows the same names). */
const CACHED = {
  node: 'src/tools/cli/node-entry.ts',
  client: 'src/tools/cli/client-entry.ts',
  start: 'src/tools/cli/start-entry.ts',
};

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const outdir = path.join(root, 'dist', 'bundle', 'bin');
rmSync(path.join(root, 'dist', 'bundle'), { recursive: true, force: true });
await build({
  absWorkingDir: root,
  entryPoints: ['src/tools/cli/main.ts', 'src/tools/bench/reference-child.ts', 'src/tools/bench/duckdb-child.ts'],
  outdir,
  entryNames: '[name]',
  bundle: true,
  splitting: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  // @duckdb/node-api and playwright-core: devDependencies, loaded only by the bench (and only if installed);
  // dockerode pulls in ssh2's native addons: loaded from node_modules, not bundled.
  external: ['@duckdb/node-api', 'playwright-core', 'dockerode', 'ssh2', 'cpu-features'],
  // The CommonJS dependencies call require() for Node's built-ins; give the ES module bundle one.
  banner: { js: "import { createRequire as __bundleRequire } from 'node:module'; const require = __bundleRequire(import.meta.url);" },
  sourcemap: 'linked',
  legalComments: 'none',
  logLevel: 'warning',
});

// The code-cached bundles: CommonJS (a vm.Script can take a code cache; an ES module cannot on
// Node 20), no splitting (one file, one cache). import.meta.url is the bundle's own URL, as in the
// ESM bundle. Each entry exports main(argv) and preload() (see src/tools/cli/node-entry.ts).
const cachedDir = path.join(root, 'dist', 'bundle', 'cached');
const codeCache = path.join(root, 'dist', 'tools', 'cli', 'code-cache.js');
const { cacheFileFor } = await import(codeCache);
const { BULK_NODE_V8_FLAGS, CLIENT_V8_FLAGS } = await import(path.join(root, 'dist', 'node', 'v8-flags.js'));
for (const [name, entry] of Object.entries(CACHED)) {
  const file = path.join(cachedDir, `${name}.cjs`);
  await build({
    absWorkingDir: root,
    entryPoints: [entry],
    outfile: file,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['@duckdb/node-api', 'playwright-core', 'dockerode', 'ssh2', 'cpu-features'],
    define: { 'import.meta.url': '__bundleImportMetaUrl' },
    // vega-canvas's Node build awaits import('canvas') at top level, which CommonJS cannot hold;
    // `canvas` is no dependency of ours, so that import always fails and vega measures text
    // without a canvas: its browser build (no `document` in Node) does exactly the same.
    alias: { 'vega-canvas': './node_modules/vega-canvas/build/vega-canvas.browser.js' },
    banner: { js: "var __bundleImportMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
    charset: 'ascii',
    sourcemap: 'linked',
    legalComments: 'none',
    logLevel: 'warning',
  });
  // One cache per set of V8 flags the bundle runs under (V8 refuses a cache made under other
  // flags): none, and also the bulk nodes' flags for the node bundle, the client's for the client
  // bundle (src/node/v8-flags.ts).
  // Each made by a child, so the modules' side effects (timers, handlers) die with it; same
  // Node, no NODE_OPTIONS.
  for (const flags of name === 'node' ? [[], BULK_NODE_V8_FLAGS] : name === 'client' ? [[], CLIENT_V8_FLAGS] : [[]]) {
    execFileSync(
      process.execPath,
      [
        ...flags,
        '--input-type=module',
        '-e',
        `import { loadCachedBundle, writeCache } from ${JSON.stringify(codeCache)};
         const b = loadCachedBundle(${JSON.stringify(file)}, '');
         await b.exports.preload();
         writeCache(${JSON.stringify(cacheFileFor(file, flags))}, b.createCache());
         process.exit(0);`,
      ],
      { cwd: root, stdio: 'inherit', env: { ...process.env, NODE_OPTIONS: '' } },
    );
  }
}
