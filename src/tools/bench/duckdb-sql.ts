import path from 'node:path';
import { REPORT_FILES } from '../../queries/report-format.js';

/**
 * The four queries as a DuckDB user after speed would write them (issue 11): typed columns
 * declared up front (no sniffing), only the needed columns read (DuckDB pushes the projection
 * into its CSV reader), each file read once, 2 threads, and the reports written by DuckDB's
 * own CSV writer. The bench checks the files byte for byte against the reference, so any
 * drift from SYSTEM.md's rules (windows, ties, orders, two decimals) shows as a failure.
 *
 * Transactions feed three queries; to read them once, the 2024–2025 rows are kept in a
 * temporary table holding only what the queries need (the Q1 id only where Q1 wants it).
 */

/** SQL string literal. */
export function sqlString(s: string): string {
  return `'${s.replaceAll("'", "''")}'`;
}

/** Every CSV of a table's folder belongs to it, whatever its name (SYSTEM.md). */
function csv(dataDir: string, table: string, columns: Record<string, string>): string {
  const cols = Object.entries(columns)
    .map(([name, type]) => `${sqlString(name)}: ${sqlString(type)}`)
    .join(', ');
  return `read_csv(${sqlString(path.join(dataDir, table, '*.csv'))}, header = true, auto_detect = false, delim = ',', quote = '"', escape = '"', columns = {${cols}})`;
}

// Full column lists in file order (SYSTEM.md); unused columns stay VARCHAR and are never read.
const TRANSACTIONS = {
  transaction_id: 'VARCHAR',
  store_id: 'INTEGER',
  payment_method_id: 'VARCHAR',
  voucher_id: 'VARCHAR',
  // Written as a float ('140170.0') or empty for a guest.
  user_id: 'DOUBLE',
  original_amount: 'VARCHAR',
  discount_applied: 'VARCHAR',
  final_amount: 'DECIMAL(18,2)',
  created_at: 'TIMESTAMP',
};
const TRANSACTION_ITEMS = {
  transaction_id: 'VARCHAR',
  item_id: 'INTEGER',
  quantity: 'INTEGER',
  unit_price: 'VARCHAR',
  subtotal: 'DECIMAL(18,2)',
  created_at: 'TIMESTAMP',
};
const USERS = { user_id: 'INTEGER', gender: 'VARCHAR', birthdate: 'VARCHAR', registered_at: 'VARCHAR' };
const STORES = {
  store_id: 'INTEGER',
  store_name: 'VARCHAR',
  street: 'VARCHAR',
  postal_code: 'VARCHAR',
  city: 'VARCHAR',
  state: 'VARCHAR',
  latitude: 'VARCHAR',
  longitude: 'VARCHAR',
};
const MENU_ITEMS = {
  item_id: 'INTEGER',
  item_name: 'VARCHAR',
  category: 'VARCHAR',
  price: 'VARCHAR',
  is_seasonal: 'VARCHAR',
  available_from: 'VARCHAR',
  available_to: 'VARCHAR',
};

const YEARS = `created_at >= TIMESTAMP '2024-01-01 00:00:00' AND created_at < TIMESTAMP '2026-01-01 00:00:00'`;
const HOURS = `CAST(created_at AS TIME) BETWEEN TIME '06:00:00' AND TIME '23:00:00'`;

/** The statements, in order; the reports land in outDir under the project's file names. */
export function duckdbStatements(dataDir: string, outDir: string, threads = 2): string[] {
  const out = (f: string): string => sqlString(path.join(outDir, f));
  const copy = (query: string, file: string): string => `COPY (${query}) TO ${out(file)} (FORMAT csv, HEADER true, DELIMITER ',')`;
  return [
    `SET threads = ${threads}`,
    // Only ORDER BY fixes output order here; letting DuckDB reorder elsewhere saves memory.
    `SET preserve_insertion_order = false`,
    `CREATE TEMP TABLE stores AS SELECT store_id, store_name FROM ${csv(dataDir, 'stores', STORES)}`,
    `CREATE TEMP TABLE menu AS SELECT item_id, item_name FROM ${csv(dataDir, 'menu_items', MENU_ITEMS)}`,
    `CREATE TEMP TABLE tx AS
       SELECT store_id,
              CAST(user_id AS INTEGER) AS user_id,
              final_amount,
              ${HOURS} AS in_hours,
              year(created_at) * 2 + (CASE WHEN month(created_at) <= 6 THEN 0 ELSE 1 END) AS half,
              CASE WHEN ${HOURS} AND final_amount >= 75 THEN transaction_id END AS q1_id
       FROM ${csv(dataDir, 'transactions', TRANSACTIONS)}
       WHERE ${YEARS}`,
    copy(`SELECT q1_id AS transaction_id, final_amount FROM tx WHERE q1_id IS NOT NULL ORDER BY q1_id, final_amount`, REPORT_FILES.q1),
    `CREATE TEMP TABLE items AS
       SELECT strftime(created_at, '%Y-%m') AS ym, item_id, sum(quantity) AS qty, sum(subtotal) AS profit
       FROM ${csv(dataDir, 'transaction_items', TRANSACTION_ITEMS)}
       WHERE ${YEARS}
       GROUP BY ALL`,
    copy(
      `SELECT ym AS year_month_created_at, coalesce(m.item_name, '') AS item_name, qty AS sellings_qty
       FROM items LEFT JOIN menu m USING (item_id)
       QUALIFY row_number() OVER (PARTITION BY ym ORDER BY qty DESC, item_id) = 1
       ORDER BY ym`,
      REPORT_FILES.q2BestSelling,
    ),
    copy(
      `SELECT ym AS year_month_created_at, coalesce(m.item_name, '') AS item_name, profit AS profit_sum
       FROM items LEFT JOIN menu m USING (item_id)
       QUALIFY row_number() OVER (PARTITION BY ym ORDER BY profit DESC, item_id) = 1
       ORDER BY ym`,
      REPORT_FILES.q2MostProfit,
    ),
    copy(
      `SELECT (half // 2) || '-H' || (half % 2 + 1) AS year_half_created_at, coalesce(s.store_name, '') AS store_name, tpv
       FROM (SELECT half, store_id, sum(final_amount) AS tpv FROM tx WHERE in_hours GROUP BY ALL) t
       LEFT JOIN stores s USING (store_id)
       ORDER BY year_half_created_at, store_name, store_id`,
      REPORT_FILES.q3,
    ),
    `CREATE TEMP TABLE top AS
       SELECT store_id, user_id, count(*) AS purchases_qty FROM tx WHERE user_id IS NOT NULL GROUP BY store_id, user_id
       QUALIFY row_number() OVER (PARTITION BY store_id ORDER BY purchases_qty DESC, user_id) <= 3`,
    copy(
      `SELECT coalesce(s.store_name, '') AS store_name, coalesce(u.birthdate, '') AS birthdate, t.purchases_qty
       FROM top t
       LEFT JOIN stores s USING (store_id)
       LEFT JOIN (SELECT user_id, birthdate FROM ${csv(dataDir, 'users', USERS)} WHERE user_id IN (SELECT user_id FROM top)) u USING (user_id)
       ORDER BY store_name, t.purchases_qty DESC, t.user_id, t.store_id`,
      REPORT_FILES.q4,
    ),
  ];
}
