import { StoreError } from '@presence-tracker/core';
import type pg from 'pg';
import { changesMigration } from './changes/schema.ts';
import { closedBrinMigration } from './closed-brin.ts';
import { STORE_NAME } from './connection.ts';
import { countersMigration } from './counters.ts';
import { openInPlaceMigration } from './open-in-place.ts';
import { openRecordsMigration } from './open-records.ts';
import { dayPartsMigration, rollupPartsMigration } from './rollup-parts.ts';
import { rollupsMigration } from './rollups.ts';
import { sightingsMigration } from './sightings.ts';

/** One step of the schema. `sql` gets the quoted schema name. Steps are never edited once released. */
export interface Migration {
  version: number;
  name: string;
  sql: (schema: string) => string;
}

/** The first number of every advisory lock this store takes ('pres' in ASCII). */
export const LOCK_NAMESPACE = 0x70726573;
/** The second number of the lock that guards creating extensions, which are per database. */
const EXTENSION_LOCK = 0;

const STATUS_CHECK = `check (status in ('available', 'busy', 'dnd', 'away', 'offline', 'unknown'))`;

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'users, runs, intervals, sessions, samples, outbox',
    sql: (s) => `
create table ${s}.users (
  id text collate "C" primary key,
  key text not null,
  display_name text,
  email text,
  severity smallint not null default 0 check (severity between 0 and 3),
  updated_at timestamptz not null default now()
);

-- Teams, channels and other groups, per member, in the order the provider gave them. Anything a
-- provider says about a group beyond kind, id and name (such as a channel's teamId) is kept in attrs.
create table ${s}.user_groups (
  user_id text collate "C" not null references ${s}.users (id) on delete cascade,
  position integer not null,
  kind text not null,
  group_id text not null,
  name text,
  attrs jsonb,
  primary key (user_id, position)
);
create index user_groups_group on ${s}.user_groups (kind, group_id);

create table ${s}.runs (
  id bigint generated always as identity primary key,
  started_at timestamptz not null,
  ended_at timestamptz,
  last_poll_at timestamptz,
  constraint runs_end_after_start check (ended_at is null or ended_at >= started_at)
);

-- An open interval or session reaches to infinity, so the exclusion constraints also keep a user
-- from ever having two open at once.
create table ${s}.intervals (
  id bigint generated always as identity primary key,
  user_id text collate "C" not null,
  status text not null ${STATUS_CHECK},
  started_at timestamptz not null,
  ended_at timestamptz,
  last_seen_at timestamptz not null,
  raw jsonb,
  period tstzrange not null generated always as (tstzrange(started_at, coalesce(ended_at, 'infinity'::timestamptz), '[)')) stored,
  constraint intervals_end_after_start check (ended_at is null or ended_at >= started_at),
  constraint intervals_no_overlap exclude using gist (user_id with =, period with &&)
) with (fillfactor = 70);
create index intervals_open on ${s}.intervals (user_id) where ended_at is null;
-- Rows of no length (a user seen once, then stale) have an empty period that overlaps nothing, so
-- range queries find them here.
create index intervals_instant on ${s}.intervals (started_at) where ended_at = started_at;

create table ${s}.sessions (
  id bigint generated always as identity primary key,
  user_id text collate "C" not null,
  started_at timestamptz not null,
  ended_at timestamptz,
  last_seen_at timestamptz not null,
  end_reason text check (end_reason in ('offline', 'window', 'stale', 'stopped', 'recovered')),
  period tstzrange not null generated always as (tstzrange(started_at, coalesce(ended_at, 'infinity'::timestamptz), '[)')) stored,
  constraint sessions_end_after_start check (ended_at is null or ended_at >= started_at),
  constraint sessions_end_has_reason check ((ended_at is null) = (end_reason is null)),
  constraint sessions_no_overlap exclude using gist (user_id with =, period with &&)
) with (fillfactor = 70);
create index sessions_open on ${s}.sessions (user_id) where ended_at is null;
create index sessions_instant on ${s}.sessions (started_at) where ended_at = started_at;

-- The newest sighting of each user (any status, and present statuses only). Open intervals and
-- sessions take their last-seen time from here, so a poll that only confirms people updates one
-- narrow row per person instead of rewriting their interval and session rows and GiST entries.
create table ${s}.user_seen (
  user_id text collate "C" primary key,
  seen_at timestamptz not null,
  present_at timestamptz
) with (fillfactor = 70);

-- Raw readings, append-only: BRIN suits rows that arrive in time order and are read by time range.
create table ${s}.samples (
  user_id text collate "C" not null,
  observed_at timestamptz not null,
  status text not null ${STATUS_CHECK},
  source text,
  raw jsonb,
  run_id bigint
);
create index samples_observed on ${s}.samples using brin (observed_at);
create function ${s}.samples_append_only() returns trigger language plpgsql as $$
begin
  raise exception 'samples are append-only' using errcode = 'restrict_violation';
end $$;
create trigger samples_append_only before update on ${s}.samples
  for each row execute function ${s}.samples_append_only();

create table ${s}.outbox (
  seq bigint generated always as identity primary key,
  notifier text not null,
  event_id text not null,
  type text not null,
  "timestamp" timestamptz not null,
  data json not null,
  attempts integer not null default 0,
  next_attempt_at timestamptz,
  last_error text
);
create index outbox_pending on ${s}.outbox (notifier, seq) where next_attempt_at is not null;

-- One row per write that committed, so a write retried after its commit was lost in transit is
-- recognised instead of applied twice.
create table ${s}.applied_writes (
  token uuid primary key,
  applied_at timestamptz not null default now()
);

-- The Mattermost tracker's table, as a view over the samples: one row per sample per channel the user
-- is in. A channel's team is the group's teamId (and teamName) when the provider gave one, else the
-- user's only team.
create view ${s}.channel_user_status as
select
  s.observed_at as "timestamp",
  coalesce(c.attrs ->> 'teamId', t.group_id) as team_id,
  coalesce(c.attrs ->> 'teamName', t.name) as team_name,
  c.group_id as channel_id,
  c.name as channel_name,
  s.user_id,
  u.key as username,
  coalesce(s.raw ->> 'status', s.status) as status
from ${s}.samples s
join ${s}.users u on u.id = s.user_id
join ${s}.user_groups c on c.user_id = s.user_id and c.kind = 'channel'
left join lateral (
  select g.group_id, g.name
  from ${s}.user_groups g
  where g.user_id = c.user_id and g.kind = 'team'
    and (g.group_id = c.attrs ->> 'teamId'
      or (c.attrs ->> 'teamId' is null
        and (select count(*) from ${s}.user_groups o where o.user_id = c.user_id and o.kind = 'team') = 1))
  limit 1
) t on true;
`,
  },
  {
    version: 2,
    name: 'one open record per person by unique indexes instead of exclusion constraints',
    // The exclusion constraints cost more than two thirds of a poll's write (pnpm bench postgres:
    // 10,000 people changing status, 4.4 s a poll with them, 1.2 s without, 0.55 s for a bare
    // set-based write): every interval that opens or closes is checked against its person's other
    // rows in a GiST index of (person, period). Writes are planned over one model of conflicts
    // (core's planWrite) that already refuses overlap within a write and across writes, so what the
    // database keeps is what SQLite keeps: at most one open interval and one open session per
    // person. Range queries keep a GiST index of the period alone.
    sql: (s) => `
alter table ${s}.intervals drop constraint intervals_no_overlap;
alter table ${s}.sessions drop constraint sessions_no_overlap;
drop index ${s}.intervals_open;
create unique index intervals_open on ${s}.intervals (user_id) where ended_at is null;
drop index ${s}.sessions_open;
create unique index sessions_open on ${s}.sessions (user_id) where ended_at is null;
create index intervals_period on ${s}.intervals using gist (period);
create index sessions_period on ${s}.sessions using gist (period);
`,
  },
  {
    version: 3,
    name: 'rollups: a digest per person per UTC day, built for the records already kept',
    sql: rollupsMigration,
  },
  {
    version: 4,
    name: 'changes: each interval, session and run carries the transaction that last opened or closed it',
    sql: changesMigration,
  },
  {
    version: 5,
    name: "counters: a run's named counts (polls, samples, errors, durations), only ever added to",
    sql: countersMigration,
  },
  {
    version: 6,
    name: 'the GiST indexes of period hold closed records only',
    // An open record's period reaches to infinity, and range queries find open records through the
    // unique index on them, so the GiST entry every opening made served nothing but cost a GiST
    // insertion per new record (pnpm bench postgres). A record now enters the index once, as it closes.
    sql: (s) => `
drop index ${s}.intervals_period;
create index intervals_period on ${s}.intervals using gist (period) where ended_at is not null;
drop index ${s}.sessions_period;
create index sessions_period on ${s}.sessions using gist (period) where ended_at is not null;
`,
  },
  {
    version: 7,
    name: 'open intervals and sessions in tables of their own; a record is written to intervals or sessions once, closed',
    sql: openRecordsMigration,
  },
  {
    version: 8,
    name: 'the indexes of closed periods by SP-GiST instead of GiST',
    // With closed records written once (version 7), the GiST index took about a quarter of a poll's
    // server CPU (pnpm bench postgres); an SP-GiST index of the same ranges answers the same range
    // queries and costs a poll about 0.8 of the server CPU of the GiST one. Every row of the closed
    // tables is closed, so the index needs no predicate.
    sql: (s) => `
drop index ${s}.intervals_period;
create index intervals_period on ${s}.closed_intervals using spgist (period);
drop index ${s}.sessions_period;
create index sessions_period on ${s}.closed_sessions using spgist (period);
`,
  },
  {
    version: 9,
    name: "sightings: a log of a write's sightings, a row per instant and presence, folded into user_seen now and then",
    sql: sightingsMigration,
  },
  {
    version: 10,
    name: 'rollup parts: what a write closes is appended to rollups by a later fold, a row per record and day until then',
    sql: rollupPartsMigration,
  },
  {
    version: 11,
    name: 'open intervals rewritten in place when a write closes one and opens the next, without the index of changed',
    sql: openInPlaceMigration,
  },
  {
    version: 12,
    name: "rollup parts: one row per statement and UTC day, the day's people and their texts as arrays",
    sql: dayPartsMigration,
  },
  {
    version: 13,
    name: 'closed records found by time through a BRIN index of their start and end, without the stored period and its SP-GiST index',
    sql: closedBrinMigration,
  },
];

export const LATEST_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;

/**
 * Brings `schema` to the latest version in one transaction. The transaction first takes an advisory
 * lock for the schema, so trackers starting together wait for the first one and then find nothing
 * left to do. A schema already at a newer version than this code knows is refused.
 */
export async function migrate(client: pg.ClientBase, schema: string): Promise<{ from: number; to: number }> {
  const s = client.escapeIdentifier(schema);
  await client.query('select pg_advisory_xact_lock($1, hashtext($2))', [LOCK_NAMESPACE, schema]);

  const exists = await client.query('select 1 from pg_namespace where nspname = $1', [schema]);
  if (exists.rowCount === 0) await client.query(`create schema ${s}`);
  await client.query(`create table if not exists ${s}.schema_migrations (
    version integer primary key,
    name text not null,
    applied_at timestamptz not null default now(),
    applied_by integer not null default pg_backend_pid()
  )`);
  const { rows } = await client.query<{ version: number | null }>(
    `select max(version) as version from ${s}.schema_migrations`,
  );
  const from = rows[0]?.version ?? 0;
  if (from > LATEST_VERSION) {
    throw new StoreError(
      STORE_NAME,
      `schema ${schema} is at version ${from}, newer than this package knows (${LATEST_VERSION}); upgrade @presence-tracker/store-postgres`,
      { code: 'STORE_SCHEMA_TOO_NEW', details: { schema, version: from, supported: LATEST_VERSION } },
    );
  }
  const pending = MIGRATIONS.filter((m) => m.version > from);
  if (pending.length > 0) await ensureBtreeGist(client);
  for (const m of pending) {
    await client.query(m.sql(s));
    await client.query(`insert into ${s}.schema_migrations (version, name) values ($1, $2)`, [
      m.version,
      m.name,
    ]);
  }
  return { from, to: Math.max(from, LATEST_VERSION) };
}

/**
 * For a store that only reads: refuses a schema that is missing, older or newer than this code,
 * without creating or changing anything.
 */
export async function checkSchema(client: pg.ClientBase, schema: string): Promise<void> {
  const s = client.escapeIdentifier(schema);
  const found = await client
    .query<{ version: number | null }>(`select max(version) as version from ${s}.schema_migrations`)
    .then(
      (r) => r.rows[0]?.version ?? 0,
      (error: { code?: string }) => {
        // 42P01: no such table; 3F000: no such schema.
        if (error.code === '42P01' || error.code === '3F000') return null;
        throw error;
      },
    );
  if (found === null || found === 0) {
    throw new StoreError(
      STORE_NAME,
      `schema ${schema} holds no presence-tracker tables, and a read-only store creates none; point it at the schema a tracker writes, or open it once without readOnly`,
      { details: { schema } },
    );
  }
  if (found > LATEST_VERSION) {
    throw new StoreError(
      STORE_NAME,
      `schema ${schema} is at version ${found}, newer than this package knows (${LATEST_VERSION}); upgrade @presence-tracker/store-postgres`,
      { code: 'STORE_SCHEMA_TOO_NEW', details: { schema, version: found, supported: LATEST_VERSION } },
    );
  }
  if (found < LATEST_VERSION) {
    throw new StoreError(
      STORE_NAME,
      `schema ${schema} is at version ${found}, older than this package's ${LATEST_VERSION}, and a read-only store migrates nothing; open it once without readOnly (a tracker does) to migrate it`,
      { details: { schema, version: found, supported: LATEST_VERSION } },
    );
  }
}

/**
 * The exclusion constraints need btree_gist (for `user_id with =`). Extensions belong to the whole
 * database, so creating it is guarded by a lock of its own: stores migrating different schemas at
 * once would otherwise race to create it.
 */
async function ensureBtreeGist(client: pg.ClientBase): Promise<void> {
  const installed = async () =>
    ((await client.query(`select 1 from pg_extension where extname = 'btree_gist'`)).rowCount ?? 0) > 0;
  if (await installed()) return;
  await client.query('select pg_advisory_xact_lock($1, $2)', [LOCK_NAMESPACE, EXTENSION_LOCK]);
  if (await installed()) return;
  try {
    await client.query('create extension if not exists btree_gist');
  } catch (error) {
    throw new StoreError(
      STORE_NAME,
      `the btree_gist extension is missing and this role may not create it (${(error as Error).message}); ` +
        'have a database owner run: create extension btree_gist;',
      { cause: error },
    );
  }
}
