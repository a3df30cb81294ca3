import type { CounterAdd } from '@presence-tracker/core';
import type pg from 'pg';

/** Schema version 5: a run's named counters (core's `addCounters`), a row per run and name, only added to. */
export const countersMigration = (s: string): string => `
create table ${s}.run_counters (
  run_id bigint not null references ${s}.runs (id),
  name text collate "C" not null,
  value bigint not null check (value >= 0),
  primary key (run_id, name)
);
`;

/**
 * Adds the amounts in one statement, inside the caller's transaction; `false` when the run does not
 * exist. The caller records the add's token in the same transaction, so a retry after a lost answer
 * adds nothing twice.
 */
export async function addCounters(
  c: pg.ClientBase,
  schema: string,
  run: number | string,
  { counts }: CounterAdd,
): Promise<boolean> {
  const s = `"${schema}"`;
  const found = await c.query(`select 1 from ${s}.runs where id = $1`, [run]);
  if (found.rowCount === 0) return false;
  const names = Object.keys(counts);
  await c.query(
    `insert into ${s}.run_counters (run_id, name, value)
     select $1, n, v from unnest($2::text[], $3::bigint[]) as x(n, v)
     on conflict (run_id, name) do update set value = run_counters.value + excluded.value`,
    [run, names, names.map((n) => String(counts[n]))],
  );
  return true;
}

/** Every counter summed over runs. Sums leave as text, since a bigint may not fit a float. */
export async function readCounters(
  c: pg.ClientBase | pg.Pool,
  schema: string,
): Promise<Record<string, number>> {
  const { rows } = await c.query<{ name: string; value: string }>(
    `select name, sum(value)::text as value from "${schema}".run_counters group by name`,
  );
  const answer: Record<string, number> = {};
  for (const r of rows) answer[r.name] = Number(r.value);
  return answer;
}
