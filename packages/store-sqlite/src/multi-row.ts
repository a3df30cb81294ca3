import type { Database } from 'better-sqlite3';

/**
 * An INSERT of any number of rows in a few statements, one of 64 rows, 8 and 1, each prepared once:
 * a statement per row costs the driver's call and binding once per row, which for a poll that opens
 * 10,000 records is more than SQLite's own work. `into` is the statement up to `VALUES`, `then` what
 * follows the rows (an `ON CONFLICT` clause); `values` holds the rows' values one after the other,
 * `width` to a row. Call inside a transaction.
 */
export function multiRowInsert(
  db: Database,
  into: string,
  width: number,
  then = '',
): (values: readonly unknown[]) => void {
  const row = `(${Array.from({ length: width }, () => '?').join(', ')})`;
  const sizes = [64, 8, 1].map((rows) => ({
    rows,
    statement: db.prepare(`${into} VALUES ${Array.from({ length: rows }, () => row).join(', ')} ${then}`),
  }));
  return (values) => {
    let at = 0;
    for (const { rows, statement } of sizes) {
      const span = rows * width;
      for (; values.length - at >= span; at += span) statement.run(values.slice(at, at + span));
    }
  };
}
