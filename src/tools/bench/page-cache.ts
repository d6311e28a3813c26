import { open, readdir } from 'node:fs/promises';
import path from 'node:path';

/**
 * Reads every file under `dirs` once, so that the timed runs all start from the page cache.
 * The bench times the pipeline first, then the reference and DuckDB on files the run before
 * them has just read: on a machine whose page cache cannot hold every dataset of the cache
 * folder (this one kept ~4 GB), the pipeline alone paid for reading from disk (40-100 MB/s
 * of reads seen during a scale-1 run after a scale-0.33 one).
 */
export async function warmPageCache(dirs: readonly string[]): Promise<{ bytes: number; seconds: number }> {
  const t0 = process.hrtime.bigint();
  const buf = Buffer.allocUnsafe(1 << 20);
  let bytes = 0;
  const walk = async (dir: string): Promise<void> => {
    for (const e of await readdir(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.isFile()) {
        const fh = await open(p, 'r');
        try {
          for (let n = (await fh.read(buf, 0, buf.length)).bytesRead; n > 0; n = (await fh.read(buf, 0, buf.length)).bytesRead) bytes += n;
        } finally {
          await fh.close();
        }
      }
    }
  };
  for (const d of dirs) await walk(d);
  return { bytes, seconds: Number(process.hrtime.bigint() - t0) / 1e9 };
}
