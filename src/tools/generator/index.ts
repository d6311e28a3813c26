/** Synthetic dataset generator (the `generate` subcommand's library). */
export {
  generateDataset,
  validateOptions,
  estimateBytes,
  MIN_SCALE,
  MAX_SCALE,
  type GenerateOptions,
  type GenerateResult,
} from './dataset.js';
export { BAD_ROWS, BAD_ROW_COUNT, BAD_ROW_COUNT_BY_TABLE, type BadRow } from './bad-rows.js';
export { HARD_CASE_EXPECTED, HARD_CASE_STORES, HARD_CASE_ITEMS, HARD_CASE_USERS, HARD_CASE_SUFFIX, MISSING_USER_ID } from './hard-cases.js';
export { GENERATED_TABLES, UNUSED_TABLES, HEADERS, tableFile, type GeneratedTable, type UnusedTable } from './schema.js';
export { NORMAL_MONTHS } from './proportions.js';
export { STORES, MENU_ITEMS } from './catalog.js';
