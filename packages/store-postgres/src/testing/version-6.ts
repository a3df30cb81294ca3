import { backToVersion8 } from './version-8.ts';

/**
 * SQL that turns a schema of this version back into the shape schema version 6 left, with the same
 * records: open intervals and sessions as rows of the `intervals` and `sessions` tables with no end,
 * found by unique partial indexes, and no open tables or views. For tests of the migrations from
 * version 6 and before.
 */
export const backToVersion6 = (schema: string): string => {
  const s = `"${schema}"`;
  return `
${backToVersion8(schema)}
drop view ${s}.intervals;
alter table ${s}.closed_intervals rename to intervals;
alter table ${s}.intervals alter column ended_at drop not null;
insert into ${s}.intervals (id, user_id, status, started_at, last_seen_at, raw, changed) overriding system value
select id, user_id, status, started_at, last_seen_at, raw, changed from ${s}.open_intervals;
drop table ${s}.open_intervals;
create unique index intervals_open on ${s}.intervals (user_id) where ended_at is null;
drop view ${s}.sessions;
alter table ${s}.closed_sessions rename to sessions;
alter table ${s}.sessions alter column ended_at drop not null;
insert into ${s}.sessions (id, user_id, started_at, last_seen_at, changed) overriding system value
select id, user_id, started_at, last_seen_at, changed from ${s}.open_sessions;
drop table ${s}.open_sessions;
create unique index sessions_open on ${s}.sessions (user_id) where ended_at is null;
drop index ${s}.intervals_period;
create index intervals_period on ${s}.intervals using gist (period) where ended_at is not null;
drop index ${s}.sessions_period;
create index sessions_period on ${s}.sessions using gist (period) where ended_at is not null;
delete from ${s}.schema_migrations where version > 6;
`;
};
