import type Sqlite from 'better-sqlite3';
import { mergeDayRows } from '../day-rows.ts';

/** A person's digest of a UTC day, as schema versions 2 to 8 kept it: a row each. */
export interface PersonDay {
  user_id: string;
  day: number;
  intervals: string;
  sessions: string;
}

/** Every person-day's digest in `rollup_days`, each day's rows merged, by person then day. */
export function personDays(db: Sqlite.Database): PersonDay[] {
  const rows = db
    .prepare('SELECT day, users, intervals, sessions FROM rollup_days ORDER BY day, id')
    .raw(true)
    .all() as [number, string, string, string][];
  const found: PersonDay[] = [];
  for (const day of new Set(rows.map(([d]) => d))) {
    const merged = mergeDayRows(
      rows
        .filter(([d]) => d === day)
        .map(([, users, intervals, sessions]) => ({ users: JSON.parse(users), intervals, sessions })),
    );
    const intervals = merged.intervals.split(';');
    const sessions = merged.sessions.split(';');
    merged.users.forEach((user_id, p) => {
      found.push({ user_id, day, intervals: intervals[p]!, sessions: sessions[p]! });
    });
  }
  return found.sort((x, y) => (x.user_id < y.user_id ? -1 : x.user_id > y.user_id ? 1 : x.day - y.day));
}

/** How many rows each day has in `rollup_days`, by day. */
export function rowsPerDay(db: Sqlite.Database): [number, number][] {
  return db.prepare('SELECT day, count(*) FROM rollup_days GROUP BY day ORDER BY day').raw(true).all() as [
    number,
    number,
  ][];
}
