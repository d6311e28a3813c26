import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { DatasetError } from '../node/errors.js';
import { TABLES, TABLE_SPEC, type TableName } from './tables.js';

export interface TableFile {
  /** Absolute (or dataDir-joined) path to open. */
  path: string;
  /** Path relative to the data dir, '/'-separated: 'transactions/transactions_202401.csv'. */
  name: string;
  /** Size in bytes when listed. */
  size: number;
}

/** Every `*.csv` file of `<dataDir>/<table>/`, sorted by name; DatasetError when none. */
export async function listTableFiles(dataDir: string, table: TableName): Promise<TableFile[]> {
  const folder = TABLE_SPEC[table].folder;
  const dir = path.join(dataDir, folder);
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new DatasetError(`dataset folder ${dir} is missing: a dataset needs a '${folder}' folder with its CSV files in ${dataDir}`);
    }
    throw new DatasetError(`cannot read dataset folder ${dir}: ${(err as Error).message}`);
  }
  const out: TableFile[] = [];
  for (const e of entries) {
    if (!e.name.toLowerCase().endsWith('.csv')) continue;
    const p = path.join(dir, e.name);
    if (!e.isFile() && !e.isSymbolicLink()) continue;
    const st = await stat(p).catch(() => null);
    if (st === null || !st.isFile()) continue;
    out.push({ path: p, name: `${folder}/${e.name}`, size: st.size });
  }
  if (out.length === 0) throw new DatasetError(`dataset folder ${dir} has no .csv file: put the ${table} CSV files there`);
  out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return out;
}

/** Bytes of a dataset's table files; a table that cannot be listed counts 0 (the reader says what is wrong). */
export async function datasetBytes(dataDir: string): Promise<number> {
  let n = 0;
  for (const t of TABLES) for (const f of await listTableFiles(dataDir, t).catch(() => [])) n += f.size;
  return n;
}
