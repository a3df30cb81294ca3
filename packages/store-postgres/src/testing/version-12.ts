/**
 * SQL that turns a schema of this version back into the shape schema version 12 left, with the same
 * records: the closed tables' stored `period`, its SP-GiST indexes and the indexes of rows of no
 * length, and the views reading the stored column. For tests of the migrations from version 12.
 */
export const backToVersion12 = (schema: string): string => {
  const s = `"${schema}"`;
  return `
drop view ${s}.intervals;
drop view ${s}.sessions;
drop index ${s}.intervals_time;
drop index ${s}.sessions_time;
alter table ${s}.closed_intervals add column period tstzrange not null
  generated always as (tstzrange(started_at, coalesce(ended_at, 'infinity'::timestamptz), '[)')) stored;
alter table ${s}.closed_sessions add column period tstzrange not null
  generated always as (tstzrange(started_at, coalesce(ended_at, 'infinity'::timestamptz), '[)')) stored;
create index intervals_period on ${s}.closed_intervals using spgist (period);
create index sessions_period on ${s}.closed_sessions using spgist (period);
create index intervals_instant on ${s}.closed_intervals (started_at) where ended_at = started_at;
create index sessions_instant on ${s}.closed_sessions (started_at) where ended_at = started_at;
create view ${s}.intervals as
select id, user_id, status, started_at, ended_at, last_seen_at, raw, period, changed from ${s}.closed_intervals
union all
select id, user_id, status, started_at, null::timestamptz, last_seen_at, raw,
  tstzrange(started_at, 'infinity'::timestamptz, '[)'), changed
from ${s}.open_intervals;
create view ${s}.sessions as
select id, user_id, started_at, ended_at, last_seen_at, end_reason, period, changed from ${s}.closed_sessions
union all
select id, user_id, started_at, null::timestamptz, last_seen_at, null::text,
  tstzrange(started_at, 'infinity'::timestamptz, '[)'), changed
from ${s}.open_sessions;
delete from ${s}.schema_migrations where version > 12;
`;
};
