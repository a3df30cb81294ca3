/**
 * A reader of day rows' people (`RollupDayRow.userIds`) as a store receives them, a JSON array of
 * ids, for one read: the same text as the day before gives the same array back, parsed once. A
 * tracker follows mostly the same people every day, so a quarter's 90 rows of 1,000 people are one
 * array instead of 90, and the report looks each person up once instead of once a day.
 */
export function dayRowPeople(): (json: string) => string[] {
  let lastText: string | null = null;
  let last: string[] = [];
  return (json) => {
    if (json !== lastText) {
      const parsed: unknown = JSON.parse(json);
      if (!Array.isArray(parsed) || !parsed.every((id) => typeof id === 'string')) {
        throw new RangeError("expected a rollup day row's people as a JSON array of ids");
      }
      lastText = json;
      last = parsed;
    }
    return last;
  };
}
