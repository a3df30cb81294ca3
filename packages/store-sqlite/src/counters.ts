import { type CounterAdd, StoreError } from '@presence-tracker/core';
import type { Database } from 'better-sqlite3';

/** A run's named counters (core's `addCounters`): a row per run and name, only ever added to. */
export const COUNTERS_TABLE = `
  CREATE TABLE run_counters (
    run_id INTEGER NOT NULL REFERENCES runs (id),
    name TEXT NOT NULL,
    value INTEGER NOT NULL,
    PRIMARY KEY (run_id, name)
  ) STRICT, WITHOUT ROWID;
`;

export function prepareCounters(db: Database) {
  const add = db.prepare(
    `INSERT INTO run_counters (run_id, name, value) VALUES (?, ?, ?)
     ON CONFLICT (run_id, name) DO UPDATE SET value = value + excluded.value`,
  );
  const runExists = db.prepare('SELECT 1 FROM runs WHERE id = ?').pluck();
  const sums = db.prepare('SELECT name, sum(value) FROM run_counters GROUP BY name').raw(true);
  return {
    /** Adds the amounts; call it inside the writer's transaction. */
    add(run: number, { runId, counts }: CounterAdd) {
      if (runExists.get(run) === undefined) throw new StoreError('sqlite', `addCounters: no run ${runId}`);
      for (const [name, amount] of Object.entries(counts)) add.run(run, name, amount);
    },
    /** Every counter summed over runs, in one statement. */
    read(): Record<string, number> {
      const answer: Record<string, number> = {};
      for (const [name, value] of sums.all() as [string, number][]) answer[name] = value;
      return answer;
    },
  };
}
