/**
 * Schema version 7: open intervals and sessions live in narrow tables of their own, one row per
 * person (`open_intervals`, `open_sessions`), and closed ones in `closed_intervals` and
 * `closed_sessions` (the tables `intervals` and `sessions` were, renamed).
 *
 * A status change used to insert an open row into `intervals` and later update it to close it: two
 * versions of a wide row, each with its entries in every index (the GiST index of periods, the
 * change index, the primary key). Now the close deletes the person's narrow open row and inserts the
 * finished record once, so the closed tables and their indexes see one version of it. The open
 * tables' primary keys (the person, under the names the unique indexes of open records had) keep a
 * person from having two open records.
 *
 * An open record keeps the id it will have when closed (drawn from the closed table's own sequence),
 * and its `changed` transaction, so readers that order by id or read by `changed` see what they saw
 * when the open record was a row of the same table as the closed ones. `intervals` and `sessions`
 * are now views of both tables with the columns the tables had, so SQL written against them (such
 * as the Grafana dashboard's) reads what it read before.
 */
export const openRecordsMigration = (s: string): string => `
alter table ${s}.intervals rename to closed_intervals;
drop index ${s}.intervals_open;
create table ${s}.open_intervals (
  user_id text collate "C" not null,
  id bigint not null default nextval('${s}.intervals_id_seq'),
  status text not null check (status in ('available', 'busy', 'dnd', 'away', 'offline', 'unknown')),
  started_at timestamptz not null,
  last_seen_at timestamptz not null,
  raw jsonb,
  changed xid8 not null default pg_current_xact_id(),
  constraint intervals_open primary key (user_id)
);
create index open_intervals_changed on ${s}.open_intervals (changed);
insert into ${s}.open_intervals (user_id, id, status, started_at, last_seen_at, raw, changed)
select user_id, id, status, started_at, last_seen_at, raw, changed from ${s}.closed_intervals where ended_at is null;
delete from ${s}.closed_intervals where ended_at is null;
alter table ${s}.closed_intervals alter column ended_at set not null;
create view ${s}.intervals as
select id, user_id, status, started_at, ended_at, last_seen_at, raw, period, changed from ${s}.closed_intervals
union all
select id, user_id, status, started_at, null::timestamptz, last_seen_at, raw,
  tstzrange(started_at, 'infinity'::timestamptz, '[)'), changed
from ${s}.open_intervals;

alter table ${s}.sessions rename to closed_sessions;
drop index ${s}.sessions_open;
create table ${s}.open_sessions (
  user_id text collate "C" not null,
  id bigint not null default nextval('${s}.sessions_id_seq'),
  started_at timestamptz not null,
  last_seen_at timestamptz not null,
  changed xid8 not null default pg_current_xact_id(),
  constraint sessions_open primary key (user_id)
);
create index open_sessions_changed on ${s}.open_sessions (changed);
insert into ${s}.open_sessions (user_id, id, started_at, last_seen_at, changed)
select user_id, id, started_at, last_seen_at, changed from ${s}.closed_sessions where ended_at is null;
delete from ${s}.closed_sessions where ended_at is null;
alter table ${s}.closed_sessions alter column ended_at set not null;
create view ${s}.sessions as
select id, user_id, started_at, ended_at, last_seen_at, end_reason, period, changed from ${s}.closed_sessions
union all
select id, user_id, started_at, null::timestamptz, last_seen_at, null::text,
  tstzrange(started_at, 'infinity'::timestamptz, '[)'), changed
from ${s}.open_sessions;
`;
