import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { generateDataset } from '../generator/index.js';

/** Written last, so a dataset interrupted mid-generation is never reused. */
export const COMPLETE_MARKER = '.bench-complete.json';

export interface CachedDataset {
  dir: string;
  seed: number;
  /** Bytes of all CSV files. */
  bytes: number;
  /** Data rows written per table. */
  rows: Record<string, number>;
  /** True if this run generated it (false: reused). */
  generated: boolean;
  generateSeconds: number;
}

interface Marker {
  scale: number;
  seed: number;
  bytes: number;
  rows: Record<string, number>;
}

export function datasetDir(cache: string, scale: number, seed: number): string {
  return path.join(cache, `scale-${scale}-seed-${seed}`);
}

/** Reuses `<cache>/scale-<X>-seed-<N>/` if its marker exists; otherwise (re)generates it. */
export async function ensureDataset(cache: string, scale: number, seed: number): Promise<CachedDataset> {
  const dir = datasetDir(cache, scale, seed);
  const markerFile = path.join(dir, COMPLETE_MARKER);
  if (existsSync(markerFile)) {
    try {
      const m = JSON.parse(readFileSync(markerFile, 'utf8')) as Marker;
      if (m.scale === scale && m.seed === seed && typeof m.bytes === 'number')
        return { dir, seed, bytes: m.bytes, rows: m.rows, generated: false, generateSeconds: 0 };
    } catch {
      // A broken marker: regenerate below.
    }
  }
  rmSync(markerFile, { force: true });
  const t0 = process.hrtime.bigint();
  // Plain data like the real dataset: no hard cases, no malformed rows.
  const res = await generateDataset({ out: dir, scale, seed, hardCases: false, badRows: false });
  const generateSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const marker: Marker = { scale, seed, bytes: res.bytes, rows: res.rows };
  writeFileSync(markerFile, JSON.stringify(marker));
  return { dir, seed, bytes: res.bytes, rows: res.rows, generated: true, generateSeconds };
}
