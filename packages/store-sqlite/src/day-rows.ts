/**
 * A row of `rollup_days` as text: the people with a digest in it, and each one's interval and
 * session text in the same order, joined by `;` (which digests never hold), as core's
 * `RollupDayRow` reads them.
 */
export interface DayTexts {
  users: readonly string[];
  intervals: string;
  sessions: string;
}

/** A row's texts one per person; refuses a row whose texts do not match its people. */
function splitDayRow(row: DayTexts): { intervals: string[]; sessions: string[] } {
  if (row.users.length === 0) return { intervals: [], sessions: [] };
  const intervals = row.intervals.split(';');
  const sessions = row.sessions.split(';');
  if (intervals.length !== row.users.length || sessions.length !== row.users.length) {
    throw new RangeError(
      `expected a rollup day row's texts to be one per person (${row.users.length}), joined by ';'`,
    );
  }
  return { intervals, sessions };
}

/**
 * A day's rows, oldest first, as one: each person once, in the order of their ids, with their texts
 * of every row one after the other, oldest first (the order the writes appended them in, so a
 * person's digest is the text a row per person-day would hold). The same people on two days give
 * the same array text, which a reader parses once.
 */
export function mergeDayRows(rows: readonly DayTexts[]): DayTexts {
  const byUser = new Map<string, [string, string]>();
  for (const row of rows) {
    const { intervals, sessions } = splitDayRow(row);
    for (let p = 0; p < row.users.length; p++) {
      const userId = row.users[p]!;
      const texts = byUser.get(userId);
      if (texts) {
        texts[0] += intervals[p]!;
        texts[1] += sessions[p]!;
      } else byUser.set(userId, [intervals[p]!, sessions[p]!]);
    }
  }
  const users = [...byUser.keys()].sort();
  return {
    users,
    intervals: users.map((userId) => byUser.get(userId)![0]).join(';'),
    sessions: users.map((userId) => byUser.get(userId)![1]).join(';'),
  };
}

/** The row without a person's texts: the same row when they are not in it, `null` when no one is left. */
export function withoutUser(row: DayTexts, userId: string): DayTexts | null {
  const at = row.users.indexOf(userId);
  if (at < 0) return row;
  const { intervals, sessions } = splitDayRow(row);
  const keep = (_: unknown, p: number) => p !== at;
  const users = row.users.filter(keep);
  if (users.length === 0) return null;
  return {
    users,
    intervals: intervals.filter(keep).join(';'),
    sessions: sessions.filter(keep).join(';'),
  };
}
