import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import vm from 'node:vm';

/**
 * Runs a one-file CommonJS bundle through V8's code cache (Node 20 has no
 * module.enableCompileCache): the bytecode compiled when the build evaluated the bundle is
 * read back instead of compiling ~1.7 MB of JavaScript again in every node process (issue 11).
 * A cache V8 rejects (another Node version, other V8 flags) or a missing one only costs the
 * compile: the script runs the same.
 */
export interface CachedBundle {
  /** The bundle's `module.exports`. */
  exports: Record<string, unknown>;
  /** Whether V8 refused the cache (undefined: there was none). */
  cacheRejected: boolean | undefined;
  /** The cache as of now (after running the bundle, it holds the functions compiled so far). */
  createCache(): Buffer;
}

/** Loads and runs `file` (CommonJS, no `import()` of its own files), with `cacheFile` if present. */
export function loadCachedBundle(file: string, cacheFile: string): CachedBundle {
  // esbuild writes ASCII (non-ASCII escaped): latin1 skips the UTF-8 decode and gives V8 a one-byte string.
  const source = readFileSync(file, 'latin1');
  let cachedData: Buffer | undefined;
  try {
    cachedData = readFileSync(cacheFile);
  } catch {
    cachedData = undefined;
  }
  const wrapper = `(function (exports, require, module, __filename, __dirname) {${source}\n})`;
  const script = new vm.Script(wrapper, {
    filename: file,
    cachedData,
    importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
  });
  const mod = { exports: {} as Record<string, unknown> };
  (script.runInThisContext() as (...args: unknown[]) => void)(mod.exports, createRequire(file), mod, file, path.dirname(file));
  return {
    exports: mod.exports,
    cacheRejected: cachedData === undefined ? undefined : script.cachedDataRejected === true,
    createCache: () => script.createCachedData(),
  };
}

/**
 * The cache file of `bundle` for a process started with V8 flags `execArgv`: V8 refuses a cache
 * made under other flags, so each set of flags a bundle runs under has its own file
 * (`<bundle>.cache` without flags, `<bundle>.<flags joined by '.'>.cache` with them).
 */
export function cacheFileFor(bundle: string, execArgv: readonly string[]): string {
  if (execArgv.length === 0) return `${bundle}.cache`;
  return `${bundle}.${execArgv.map((f) => f.replace(/^-+/, '').replace(/[^A-Za-z0-9]+/g, '-')).join('.')}.cache`;
}

/** Writes a cache atomically (a node reading it mid-write sees the old file or the new one). */
export function writeCache(cacheFile: string, data: Buffer): void {
  const tmp = `${cacheFile}.${process.pid}.tmp`;
  writeFileSync(tmp, data);
  renameSync(tmp, cacheFile);
}
