/**
 * Schema version 13: the closed tables are found by time through one BRIN index of
 * `(started_at, ended_at)` each, instead of an SP-GiST index of a stored `period` range and a
 * partial index of the rows of no length.
 *
 * A closed record is inserted as it closes, so each table's rows lie in the order of their ends,
 * and of their starts but for the longest records: the ends and starts of a block range of pages
 * are narrow, and a BRIN index keeps only those two bounds per range. The SP-GiST index took an
 * entry per closed record (and the stored range its bytes in every row), and the closed rows' insert
 * with its indexes was the largest part of a poll's closing statement (pnpm bench postgres, EXPLAIN
 * of single polls). A range query reads
 * `started_at < to and ended_at > from`, which is what the reference store means by overlapping
 * and holds for rows of no length too, so one index serves both arms the two indexes served.
 *
 * `period` is computed by the `intervals` and `sessions` views, which keep their columns. They are
 * replaced in place, before the column they read goes, so what was granted on them and views built on
 * them stay. The dropped column's bytes stay in the rows written before, until they are rewritten.
 *
 * A block range is 32 pages (about 2,000 closed intervals): against 128, a one-hour query of the
 * bench's 90 days read 0.69 against 1.03 of the SP-GiST index's time, longer queries the same. New
 * block ranges are summarized by autovacuum soon after they fill (`autosummarize`), and by any
 * VACUUM; until then a range query also reads the pages past the last summarized range, which are
 * the latest closes.
 *
 * The index serves a table whose rows lie in time order, as this store writes them. A table filled
 * in another order (loaded by hand, person by person) is read far more widely: the bench's one-day
 * query 1.65 times the SP-GiST index's time, a one-hour query 7 times.
 */
export const closedBrinMigration = (s: string): string => `
create or replace view ${s}.intervals as
select id, user_id, status, started_at, ended_at, last_seen_at, raw,
  tstzrange(started_at, ended_at, '[)') as period, changed
from ${s}.closed_intervals
union all
select id, user_id, status, started_at, null::timestamptz, last_seen_at, raw,
  tstzrange(started_at, 'infinity'::timestamptz, '[)'), changed
from ${s}.open_intervals;
create or replace view ${s}.sessions as
select id, user_id, started_at, ended_at, last_seen_at, end_reason,
  tstzrange(started_at, ended_at, '[)') as period, changed
from ${s}.closed_sessions
union all
select id, user_id, started_at, null::timestamptz, last_seen_at, null::text,
  tstzrange(started_at, 'infinity'::timestamptz, '[)'), changed
from ${s}.open_sessions;
drop index ${s}.intervals_period;
drop index ${s}.intervals_instant;
drop index ${s}.sessions_period;
drop index ${s}.sessions_instant;
alter table ${s}.closed_intervals drop column period;
alter table ${s}.closed_sessions drop column period;
create index intervals_time on ${s}.closed_intervals using brin (started_at, ended_at)
  with (pages_per_range = 32, autosummarize = on);
create index sessions_time on ${s}.closed_sessions using brin (started_at, ended_at)
  with (pages_per_range = 32, autosummarize = on);
`;
