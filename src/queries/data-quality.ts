/**
 * Data quality: rows that reference a store, menu item or user missing from its reference
 * table.
 *
 * The rule (README, "Data quality"): such a row still counts — its quantities, amounts and
 * purchases are facts of the sales data, and dropping it would change totals and rankings
 * (the second-best item would be reported as the best seller). Its name or birthdate field is
 * empty in the CSV (what a SQL LEFT JOIN gives). Every report counts, per data table and
 * reference table, the rows it was computed from whose reference is missing, and names the
 * smallest missing ids, so an empty field is explained instead of silent.
 *
 * The same counts come from the reference (one pass) and from the pipeline (each joining
 * worker counts the rows of its own partition; the client sums the partitions).
 */

/** One check: the rows of `table` that feed `report` and whose `column` has no row in `reference`. */
export interface MissingReferenceCheck {
  readonly report: 'q2' | 'q3' | 'q4';
  readonly table: 'transactions' | 'transaction_items';
  readonly column: 'store_id' | 'item_id' | 'user_id';
  readonly reference: 'stores' | 'menu_items' | 'users';
  /** What an empty field means in the report, for the summary and report.html. */
  readonly effect: string;
}

export const MISSING_REFERENCE_CHECKS = {
  q2Items: {
    report: 'q2',
    table: 'transaction_items',
    column: 'item_id',
    reference: 'menu_items',
    effect: 'empty item_name in q2_best_selling.csv / q2_most_profit.csv',
  },
  q3Stores: {
    report: 'q3',
    table: 'transactions',
    column: 'store_id',
    reference: 'stores',
    effect: 'empty store_name in q3_tpv.csv',
  },
  q4Stores: {
    report: 'q4',
    table: 'transactions',
    column: 'store_id',
    reference: 'stores',
    effect: 'empty store_name in q4_top_customers.csv',
  },
  q4Users: {
    report: 'q4',
    table: 'transactions',
    column: 'user_id',
    reference: 'users',
    effect: 'empty birthdate in q4_top_customers.csv',
  },
} as const satisfies Record<string, MissingReferenceCheck>;

export type MissingReferenceKey = keyof typeof MISSING_REFERENCE_CHECKS;
export const MISSING_REFERENCE_KEYS = Object.keys(MISSING_REFERENCE_CHECKS) as MissingReferenceKey[];

/** How many missing ids a report names (the smallest ones); the row count is always exact. */
export const MISSING_IDS_SHOWN = 10;

export interface MissingReferenceCount {
  /** Rows (of the check's table, within the report's scope) whose reference is missing. */
  rows: number;
  /** The smallest missing ids, ascending, at most MISSING_IDS_SHOWN. */
  ids: number[];
}

export type DataQuality = Record<MissingReferenceKey, MissingReferenceCount>;

export function emptyDataQuality(): DataQuality {
  const dq = {} as DataQuality;
  for (const k of MISSING_REFERENCE_KEYS) dq[k] = { rows: 0, ids: [] };
  return dq;
}

/** Counts one check's missing references: `add(id, rows)` for each aggregated key whose id is missing. */
export class MissingReferenceCounter {
  rows = 0;
  private readonly ids = new Set<number>();

  add(id: number, rows: number): void {
    this.rows += rows;
    // Bounded by the worker's own state (one entry per key it already holds).
    this.ids.add(id);
  }

  result(): MissingReferenceCount {
    return { rows: this.rows, ids: smallest([...this.ids]) };
  }
}

function smallest(ids: number[]): number[] {
  return [...new Set(ids)].sort((a, b) => a - b).slice(0, MISSING_IDS_SHOWN);
}

/** Sums partial counts (partitions own disjoint rows, so rows add up; ids are merged). */
export function mergeDataQuality(parts: Iterable<Partial<DataQuality>>): DataQuality {
  const out = emptyDataQuality();
  for (const part of parts) {
    for (const k of MISSING_REFERENCE_KEYS) {
      const c = part[k];
      if (c === undefined) continue;
      out[k] = { rows: out[k].rows + c.rows, ids: smallest([...out[k].ids, ...c.ids]) };
    }
  }
  return out;
}

/** Total rows with a missing reference (0: the data is clean). */
export function missingReferenceRows(dq: DataQuality): number {
  return MISSING_REFERENCE_KEYS.reduce((a, k) => a + dq[k].rows, 0);
}

/** One line per check that found something, e.g. `q2: 12 transaction_items rows whose item_id is not in menu_items (99): empty item_name in ...`. */
export function describeDataQuality(dq: DataQuality): string[] {
  const lines: string[] = [];
  for (const k of MISSING_REFERENCE_KEYS) {
    const { rows, ids } = dq[k];
    if (rows === 0) continue;
    const c = MISSING_REFERENCE_CHECKS[k];
    lines.push(
      `${c.report}: ${rows} ${c.table} row${rows === 1 ? '' : 's'} whose ${c.column} is not in ${c.reference} ` +
        `(${formatIds(ids)}): ${c.effect}`,
    );
  }
  return lines;
}

export function formatIds(ids: readonly number[]): string {
  const shown = ids.join(', ');
  return ids.length >= MISSING_IDS_SHOWN ? `${shown}, …` : shown;
}

/** Parses a data-quality payload (a partition's partial counts); unknown keys are ignored. */
export function parseDataQuality(v: unknown): Partial<DataQuality> {
  const out: Partial<DataQuality> = {};
  if (typeof v !== 'object' || v === null) return out;
  const o = v as Record<string, unknown>;
  for (const k of MISSING_REFERENCE_KEYS) {
    const c = o[k];
    if (typeof c !== 'object' || c === null) continue;
    const { rows, ids } = c as { rows?: unknown; ids?: unknown };
    if (typeof rows !== 'number' || !Number.isInteger(rows) || rows < 0) continue;
    const idList = Array.isArray(ids) ? ids.filter((x): x is number => Number.isInteger(x)) : [];
    out[k] = { rows, ids: smallest(idList) };
  }
  return out;
}
