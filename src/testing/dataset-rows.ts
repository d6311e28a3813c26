/** Helpers shared by the generator's tests: read a generated dataset back. */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import type { GeneratedTable } from '../tools/generator/schema.js';

/** Relative paths of every file under `dir`, sorted. */
export async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const table of (await readdir(dir)).sort()) {
    for (const name of (await readdir(join(dir, table))).sort()) out.push(`${table}/${name}`);
  }
  return out;
}

/** Every record of every CSV file of a table (header rows dropped), parsed with csv-parse. */
export async function readTable(dir: string, table: GeneratedTable): Promise<{ file: string; rows: string[][] }[]> {
  const out: { file: string; rows: string[][] }[] = [];
  for (const name of (await readdir(join(dir, table))).sort()) {
    if (!name.endsWith('.csv')) continue;
    const text = await readFile(join(dir, table, name), 'utf8');
    const rows: string[][] = parse(text, { relax_column_count: true });
    out.push({ file: name, rows: rows.slice(1) });
  }
  return out;
}

export async function allRows(dir: string, table: GeneratedTable): Promise<string[][]> {
  return (await readTable(dir, table)).flatMap((f) => f.rows);
}
