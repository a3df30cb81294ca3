import { randomUUID } from 'node:crypto';
import {
  defineStore,
  type Group,
  type Interval,
  impliedOpen,
  type OpenState,
  type OutboxEntry,
  type OutboxMessage,
  opensClosed,
  type PollWrite,
  type PresenceSample,
  type PresenceStore,
  planWrite,
  type RangeQuery,
  RollupBatch,
  type Run,
  type Session,
  type SessionEndReason,
  type Severity,
  type Status,
  type StoreDriver,
  StoreError,
  silentLogger,
  type User,
} from '@presence-tracker/core';
import pg from 'pg';
import { jsonTexts, textArray, timestampArray } from './binary-arrays.ts';
import { markWriter, readChanges, writerMark } from './changes/index.ts';
import { inTransaction, isDigestRace, STORE_NAME, toStoreError, withRetry } from './connection.ts';
import { checkFence } from './coordination/fence.ts';
import { addCounters, readCounters } from './counters.ts';
import { checkSchema, migrate } from './migrations.ts';
import { type PostgresStoreOptions, resolveOptions } from './options.ts';
import { foldRollupPartsSql } from './rollup-parts.ts';
import {
  appendClosedIntervalsSql,
  appendClosedSessionsSql,
  appendRollups,
  epochMs,
  type RollupRow,
  type RollupTarget,
  readRollups,
} from './rollups.ts';
import {
  appendSightingSql,
  foldDue,
  foldSightingsSql,
  latestSightingsSql,
  logSizeSql,
  sightingGroups,
} from './sightings.ts';
import { StatementQueue } from './statement-queue.ts';

/** A `PresenceStore` on PostgreSQL, with what only this store offers. */
export interface PostgresStore extends PresenceStore {
  /** The schema the tables live in. */
  readonly schema: string;
  /** The pool the store queries through: its own, or the one it was given. */
  readonly pool: pg.Pool;
  /** Deletes the samples observed before `before` and returns how many went. */
  purgeSamples(before: Date): Promise<number>;
}

const HOUR = 3_600_000;
/** Thrown inside a write's transaction to roll it back when an earlier attempt of it committed. */
const ALREADY_APPLIED = Symbol('already applied');
/** How long a committed write's token is remembered, so a retry of it is recognised. */
const TOKEN_DAYS = 7;

/**
 * Instants leave the database as epoch milliseconds, cheaper to turn into `Date` than text.
 * `date_part` works in float8 (unlike `extract`'s numeric); its error is far below a millisecond,
 * and `toDate` rounds it away.
 */
const ms = (column: string) => `date_part('epoch', ${column}) * 1000`;
const toDate = (epochMs: number) => new Date(Math.round(epochMs));

/**
 * The shared, scalable store: `postgresStore({ connectionString })` or `postgresStore({ pool })`.
 * It prepares its schema on first use, writes each poll in one transaction with a handful of batched
 * statements, and tries again (with growing pauses) when the server is away.
 */
export function postgresStore(options: PostgresStoreOptions): PostgresStore {
  const o = resolveOptions(options);
  const logger = options.logger ?? silentLogger;
  const ownsPool = o.pool === undefined;
  const pool =
    o.pool ??
    new pg.Pool({
      connectionString: o.connectionString,
      max: o.maxConnections,
      connectionTimeoutMillis: 10_000,
      application_name: 'presence-tracker',
      // A reading store's own connections refuse writes in the server too.
      ...(o.readOnly ? { options: '-c default_transaction_read_only=on' } : {}),
    });
  // An idle connection that the server drops is reported here; without a listener it would crash the process.
  if (ownsPool)
    pool.on('error', (error) =>
      logger.warn({ store: STORE_NAME, error: error.message }, 'database connection lost'),
    );

  const s = `"${o.schema}"`;
  const t = {
    users: `${s}.users`,
    groups: `${s}.user_groups`,
    runs: `${s}.runs`,
    closedIntervals: `${s}.closed_intervals`,
    closedSessions: `${s}.closed_sessions`,
    openIntervals: `${s}.open_intervals`,
    openSessions: `${s}.open_sessions`,
    samples: `${s}.samples`,
    outbox: `${s}.outbox`,
    applied: `${s}.applied_writes`,
    seen: `${s}.user_seen`,
    rollups: `${s}.rollups`,
  };

  let closed = false;
  let lastHousekeeping: number | null = null;
  /** Whether this store appended sightings or rollup parts since it last folded them, so closing it folds them. */
  let unfolded = false;
  const latest = latestSightingsSql(o.schema);
  const tokens = new WeakMap<object, string>();

  const retrying = <T>(what: string, work: () => Promise<T>) =>
    withRetry(what, o.retry, logger, work, () => closed);
  const query = <R extends pg.QueryResultRow>(what: string, sql: string, params: unknown[] = []) =>
    retrying(what, () => pool.query<R>(sql, params));
  const transaction = <T>(what: string, work: (client: pg.PoolClient) => Promise<T>) =>
    retrying(what, () => inTransaction(pool, work));
  /** The same write object keeps its token, so the runtime's retry of a write is recognised too. */
  const tokenFor = (write: object) => {
    let token = tokens.get(write);
    if (!token) {
      token = randomUUID();
      tokens.set(write, token);
    }
    return token;
  };

  const driver: StoreDriver = {
    async open() {
      // A reading store only checks the schema: it creates and migrates nothing.
      await retrying('init', () =>
        inTransaction(pool, async (c) => {
          if (o.readOnly) await checkSchema(c, o.schema);
          else await migrate(c, o.schema);
        }),
      );
    },

    async upsertUsers(list) {
      if (list.length === 0) return;
      // One row per id, the last one given winning, as repeated upserts would.
      const users = [...new Map(list.map((u) => [u.id, u])).values()];
      const groups = users.flatMap((u) =>
        (u.groups ?? []).map((g, position) => {
          const { kind, id, name, ...attrs } = g;
          return {
            userId: u.id,
            position,
            kind,
            id,
            name,
            attrs: Object.keys(attrs).length > 0 ? JSON.stringify(attrs) : null,
          };
        }),
      );
      await transaction('upsertUsers', async (c) => {
        await c.query(
          `insert into ${t.users} (id, key, display_name, email, severity)
           select * from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::int2[])
           on conflict (id) do update set key = excluded.key, display_name = excluded.display_name,
             email = excluded.email, severity = excluded.severity, updated_at = now()`,
          [
            users.map((u) => u.id),
            users.map((u) => u.key),
            users.map((u) => u.displayName ?? null),
            users.map((u) => u.email ?? null),
            users.map((u) => u.severity),
          ],
        );
        await c.query(`delete from ${t.groups} where user_id = any($1::text[])`, [users.map((u) => u.id)]);
        if (groups.length === 0) return;
        await c.query(
          `insert into ${t.groups} (user_id, position, kind, group_id, name, attrs)
           select u, p, k, g, n, a::jsonb from unnest($1::text[], $2::int4[], $3::text[], $4::text[], $5::text[], $6::text[]) as v(u, p, k, g, n, a)`,
          [
            groups.map((g) => g.userId),
            groups.map((g) => g.position),
            groups.map((g) => g.kind),
            groups.map((g) => g.id),
            groups.map((g) => g.name ?? null),
            groups.map((g) => g.attrs),
          ],
        );
      });
    },

    async users() {
      const { rows } = await query<UserRow>(
        'users',
        `select u.id, u.key, u.display_name, u.email, u.severity,
           (select json_agg(json_build_object('kind', g.kind, 'id', g.group_id, 'name', g.name, 'attrs', g.attrs) order by g.position)
              from ${t.groups} g where g.user_id = u.id) as groups
         from ${t.users} u order by u.id`,
      );
      return rows.map(toUser);
    },

    startRun(startedAt, outbox) {
      return transaction('startRun', async (c) => {
        await markWriter(c, o.schema);
        const { rows } = await c.query<{ id: string }>(
          `insert into ${t.runs} (started_at) values ($1) returning id::text`,
          [startedAt],
        );
        const run: Run = { id: rows[0]!.id, startedAt, endedAt: null };
        const messages = outbox(run);
        if (messages.length > 0) await enqueue(c, messages);
        return run;
      });
    },

    async endRun(runId, endedAt) {
      const id = runKey(runId);
      await transaction('endRun', async (c) => {
        await markWriter(c, o.schema);
        const found = await c.query<{ ended: boolean }>(
          `select ended_at is not null as ended from ${t.runs} where id = $1 for update`,
          [id],
        );
        if (found.rowCount === 0) refuse('endRun', `no run ${runId}`);
        if (found.rows[0]!.ended) refuse('endRun', `run ${runId} has already ended`);
        await c.query(`update ${t.runs} set ended_at = $2, changed = pg_current_xact_id() where id = $1`, [
          id,
          endedAt,
        ]);
      });
    },

    async runs({ from, to }) {
      const { rows } = await query<RunRow>(
        'runs',
        `select id::text, started_at, ended_at from ${t.runs}
         where started_at < $2 and (ended_at is null or ended_at > $1) order by started_at, id`,
        [from, to],
      );
      return rows.map((r): Run => ({ id: r.id, startedAt: r.started_at, endedAt: r.ended_at }));
    },

    async writePoll(write: PollWrite) {
      const token = tokenFor(write);
      const housekeeping = lastHousekeeping === null || write.at.getTime() - lastHousekeeping >= HOUR;
      // Digests of a UTC day the table holds none of yet are inserted plainly (see appendRollups); a
      // writer that adds one of them meanwhile makes that insert fail on the key, and the write, rolled
      // back whole, runs once more with every digest upserted, which cannot fail so. Whatever the
      // retry options say: that write is not refused, only raced.
      let upsertAll = false;
      const attempt = () =>
        inTransaction(pool, async (c) => {
          // Every statement goes out as soon as its parameters are built, and the next ones are built
          // while the server runs it; only what decides whether to go on is waited for.
          const q = new StatementQueue(c);
          // First, before the transaction has an id, the writer's mark (changes() keeps its cursor below
          // this write until it ends), in the statement that records the write's token.
          const mark = writerMark(o.schema, 2);
          const fresh = q.send(
            `insert into ${t.applied} (token) select $1 from (select ${mark.sql}) as mark on conflict do nothing`,
            [token, ...mark.params],
          );
          // The samples need no planning, so the server writes them while the write is planned.
          if (o.keepSamples && write.samples.length > 0) {
            q.send(
              `insert into ${t.samples} (user_id, observed_at, status, source, raw, run_id)
             select u, ob, st, src, r::jsonb, $6 from unnest($1::text[], $2::timestamptz[], $3::text[], $4::text[], $5::text[]) as v(u, ob, st, src, r)`,
              [
                textArray(write.samples.map((x) => x.userId)),
                timestampArray(write.samples.map((x) => x.observedAt)),
                textArray(write.samples.map((x) => x.status)),
                textArray(write.samples.map((x) => x.source)),
                jsonTexts(write.samples.map((x) => x.raw)),
                runKey(write.runId),
              ],
            );
          }
          // Planned over what the effects say was open, so nothing is read first: a close that finds
          // nothing open is counted below, a second open record is refused by the open tables' keys
          // (one row per person), and only users whose new records the write both opens and closes (which no
          // such index sees) are looked up.
          const implied = impliedOpen(write.effects);
          const plan = planWrite(write.effects, implied.intervals, implied.sessions, STORE_NAME);
          const unsure = opensClosed(plan, implied);
          // An earlier attempt committed this write but its answer was lost with the connection: the
          // samples just sent are rolled back.
          if ((await fresh).rowCount === 0) {
            await q.settle();
            throw ALREADY_APPLIED;
          }
          // With coordination: refused whole unless the writer still holds every lease it names.
          if (write.fence !== undefined) {
            await q.settle();
            await checkFence(c, o.schema, write);
          }
          const run = q.send(`update ${t.runs} set last_poll_at = greatest(last_poll_at, $2) where id = $1`, [
            runKey(write.runId),
            write.at,
          ]);
          if (unsure.intervals.length > 0 || unsure.sessions.length > 0) {
            const open = await q.send(
              `select 1 from ${t.openIntervals} where user_id = any($1::text[])
             union all
             select 1 from ${t.openSessions} where user_id = any($2::text[])`,
              [unsure.intervals, unsure.sessions],
            );
            if ((open.rowCount ?? 0) > 0) raced();
          }

          // A write with sightings appends what it closes as rollup parts, folded with the sightings log
          // (see rollup-parts.ts); one without (which would fold at once) appends to the digests
          // themselves, after folding any parts earlier writes left, so each digest's text stays in
          // the order the records closed.
          const into: RollupTarget = plan.sightings.length > 0 ? 'parts' : 'digests';
          const closes =
            plan.intervalChanges.length +
              plan.sessionChanges.length +
              plan.newIntervals.length +
              plan.newSessions.length >
            0;
          if (into === 'digests' && closes) q.send(foldRollupPartsSql(o.schema));

          // Records the write opens and closes (seen once, then gone) go straight to the closed table
          // first, so they draw their ids before the records the write leaves open.
          const [finishedIntervals, openedIntervals] = finishedAndOpen(plan.newIntervals);
          if (finishedIntervals.length > 0) {
            q.send(
              `insert into ${t.closedIntervals} (user_id, status, started_at, ended_at, last_seen_at, raw)
             select u, st, sa, ea, ls, r::jsonb
             from unnest($1::text[], $2::text[], $3::timestamptz[], $4::timestamptz[], $5::timestamptz[], $6::text[]) as v(u, st, sa, ea, ls, r)`,
              [
                textArray(finishedIntervals.map((x) => x.userId)),
                textArray(finishedIntervals.map((x) => x.status)),
                timestampArray(finishedIntervals.map((x) => x.startedAt)),
                timestampArray(finishedIntervals.map((x) => x.endedAt)),
                timestampArray(finishedIntervals.map((x) => x.lastSeenAt)),
                jsonTexts(finishedIntervals.map((x) => x.raw)),
              ],
            );
          }
          // Closing what was open comes first, so the open tables' keys see the new open rows after it.
          // Each close copies the person's open row into the closed table, written there once and
          // whole, and appends what it closed to the digests, in one statement. A person the write
          // also opens their next interval for keeps their open row, rewritten in place with it (see
          // open-in-place.ts); the others' open rows are deleted. Both find the rows by person and
          // the id read first: a row another writer rewrote since (a new id) is neither, and the
          // count refuses the write as a race.
          const closing = new Set(plan.intervalChanges.map((x) => x.userId));
          const [reopened, opened] = partition(openedIntervals, (x) => closing.has(x.userId));
          const reopening = new Set(reopened.map((x) => x.userId));
          const closedIntervals =
            plan.intervalChanges.length > 0
              ? q.send<{ n: number }>(
                  `with read as materialized (
                   select i.id, i.user_id, i.status, i.started_at, v.ended_at, i.last_seen_at, i.raw, v.reopen
                   from ${t.openIntervals} i
                     join unnest($1::text[], $2::timestamptz[], $3::bool[]) as v(user_id, ended_at, reopen) on v.user_id = i.user_id),
                 reopened as (
                   update ${t.openIntervals} i set id = default, status = n.st, started_at = n.sa, last_seen_at = n.ls,
                     raw = n.r::jsonb, changed = default
                   from read r, unnest($4::text[], $5::text[], $6::timestamptz[], $7::timestamptz[], $8::text[]) as n(u, st, sa, ls, r)
                   where i.user_id = r.user_id and i.id = r.id and r.reopen and n.u = r.user_id
                   returning i.user_id),
                 gone as (
                   delete from ${t.openIntervals} i using read r
                   where i.user_id = r.user_id and i.id = r.id and not r.reopen
                   returning i.user_id),
                 closed as (
                   select r.id, r.user_id, r.status, r.started_at, r.ended_at, r.last_seen_at, r.raw,
                     ${epochMs('r.started_at')} as a, ${epochMs('r.ended_at')} as b
                   from read r join (select user_id from reopened union all select user_id from gone) m on m.user_id = r.user_id),
                 kept as (
                   insert into ${t.closedIntervals} (id, user_id, status, started_at, ended_at, last_seen_at, raw)
                   overriding system value
                   select id, user_id, status, started_at, ended_at, last_seen_at, raw from closed),
                 rolled as (${appendClosedIntervalsSql(o.schema, 'closed', into)})
                 select count(*)::int as n from closed`,
                  [
                    textArray(plan.intervalChanges.map((x) => x.userId)),
                    timestampArray(plan.intervalChanges.map((x) => x.endedAt)),
                    plan.intervalChanges.map((x) => reopening.has(x.userId)),
                    textArray(reopened.map((x) => x.userId)),
                    textArray(reopened.map((x) => x.status)),
                    timestampArray(reopened.map((x) => x.startedAt)),
                    timestampArray(reopened.map((x) => x.lastSeenAt)),
                    jsonTexts(reopened.map((x) => x.raw)),
                  ],
                )
              : undefined;
          const closedSessions =
            plan.sessionChanges.length > 0
              ? q.send<{ n: number }>(
                  `with closed as (
                   delete from ${t.openSessions} x
                   using unnest($1::text[], $2::timestamptz[], $3::timestamptz[], $4::text[]) as v(user_id, ended_at, seen, reason)
                   where x.user_id = v.user_id
                   returning x.id, x.user_id, x.started_at, v.ended_at, v.seen, v.reason,
                     ${epochMs('x.started_at')} as a, ${epochMs('v.ended_at')} as b),
                 kept as (
                   insert into ${t.closedSessions} (id, user_id, started_at, ended_at, last_seen_at, end_reason)
                   overriding system value
                   select id, user_id, started_at, ended_at, seen, reason from closed),
                 rolled as (${appendClosedSessionsSql(o.schema, 'closed', into)})
                 select count(*)::int as n from closed`,
                  [
                    textArray(plan.sessionChanges.map((x) => x.userId)),
                    timestampArray(plan.sessionChanges.map((x) => x.endedAt)),
                    timestampArray(plan.sessionChanges.map((x) => x.lastSeenAt)),
                    textArray(plan.sessionChanges.map((x) => x.reason)),
                  ],
                )
              : undefined;
          if (opened.length > 0) {
            q.send(
              `insert into ${t.openIntervals} (user_id, status, started_at, last_seen_at, raw)
             select u, st, sa, ls, r::jsonb
             from unnest($1::text[], $2::text[], $3::timestamptz[], $4::timestamptz[], $5::text[]) as v(u, st, sa, ls, r)`,
              [
                textArray(opened.map((x) => x.userId)),
                textArray(opened.map((x) => x.status)),
                timestampArray(opened.map((x) => x.startedAt)),
                timestampArray(opened.map((x) => x.lastSeenAt)),
                jsonTexts(opened.map((x) => x.raw)),
              ],
            );
          }
          const [finishedSessions, openedSessions] = finishedAndOpen(plan.newSessions);
          if (finishedSessions.length > 0) {
            q.send(
              `insert into ${t.closedSessions} (user_id, started_at, ended_at, last_seen_at, end_reason)
             select * from unnest($1::text[], $2::timestamptz[], $3::timestamptz[], $4::timestamptz[], $5::text[])`,
              [
                textArray(finishedSessions.map((x) => x.userId)),
                timestampArray(finishedSessions.map((x) => x.startedAt)),
                timestampArray(finishedSessions.map((x) => x.endedAt)),
                timestampArray(finishedSessions.map((x) => x.lastSeenAt)),
                textArray(finishedSessions.map((x) => x.reason)),
              ],
            );
          }
          if (openedSessions.length > 0) {
            q.send(
              `insert into ${t.openSessions} (user_id, started_at, last_seen_at)
             select * from unnest($1::text[], $2::timestamptz[], $3::timestamptz[])`,
              [
                textArray(openedSessions.map((x) => x.userId)),
                timestampArray(openedSessions.map((x) => x.startedAt)),
                timestampArray(openedSessions.map((x) => x.lastSeenAt)),
              ],
            );
          }
          // Records the write opens already closed (seen once, then gone) are digested here.
          const rollups = new RollupBatch();
          for (const x of finishedIntervals) {
            rollups.interval(x.userId, x.status, x.startedAt.getTime(), x.endedAt!.getTime());
          }
          for (const x of finishedSessions)
            rollups.session(x.userId, x.startedAt.getTime(), x.endedAt!.getTime());
          appendRollups((sql, params) => q.send(sql, params), o.schema, rollups, into, upsertAll);
          // Sightings go to the log, a row per instant and presence; the log is folded into user_seen
          // once it has grown (see sightings.ts).
          const groups = sightingGroups(plan.sightings);
          for (const g of groups) q.send(...appendSightingSql(o.schema, g));
          const logSize =
            groups.length > 0 ? q.send<{ groups: number; ids: number }>(logSizeSql(o.schema)) : undefined;
          await q.settle();
          if ((await run).rowCount === 0)
            refuse('writePoll', `writePoll refused, nothing was written: no run ${write.runId}`);
          // Each row read is updated or deleted, not both: all were, or another writer came between.
          if (closedIntervals && (await closedIntervals).rows[0]!.n !== plan.intervalChanges.length) raced();
          if (closedSessions && (await closedSessions).rows[0]!.n !== plan.sessionChanges.length) raced();
          if (write.outbox && write.outbox.length > 0) await enqueue(c, write.outbox);
          // The sightings log and the rollups' parts are folded together, once the log has grown.
          const fold = logSize !== undefined && foldDue((await logSize).rows[0]!);
          if (fold) await c.query(`${foldSightingsSql(o.schema)}; ${foldRollupPartsSql(o.schema)}`);
          if (housekeeping) await houseKeep(c, write.at);
          // Whether the log or the parts now hold rows of this store's that no fold has moved yet.
          return fold ? false : unfolded || logSize !== undefined;
        });
      await retrying('writePoll', () =>
        attempt()
          .catch((error: unknown) => {
            if (upsertAll || !isDigestRace(error)) throw error;
            upsertAll = true;
            logger.warn(
              { store: STORE_NAME, operation: 'writePoll' },
              'another writer added the same digest meanwhile, writing again',
            );
            return attempt();
          })
          .then(
            (pending) => {
              unfolded = pending;
            },
            (error: unknown) => {
              if (error !== ALREADY_APPLIED) throw error;
            },
          ),
      );
      if (housekeeping) lastHousekeeping = write.at.getTime();
    },

    async openState(userIds) {
      const only = userIds === undefined ? '' : 'where x.user_id = any($1::text[])';
      const params = userIds === undefined ? [] : [userIds];
      const state: OpenState = { runs: [], intervals: [], sessions: [] };
      await transaction('openState', async (c) => {
        const runs = await c.query<RunRow & { last_poll_at: Date | null }>(
          `select id::text, started_at, ended_at, last_poll_at from ${t.runs} where ended_at is null order by started_at, id`,
        );
        state.runs = runs.rows.map((r) => ({
          id: r.id,
          startedAt: r.started_at,
          lastPollAt: r.last_poll_at,
        }));
        const intervals = await c.query<{
          user_id: string;
          status: Status;
          started_at: Date;
          last_seen_at: Date;
        }>(
          `select x.user_id, x.status, x.started_at, greatest(x.last_seen_at, u.seen_at, l.seen_at) as last_seen_at
           from ${t.openIntervals} x left join ${t.seen} u on u.user_id = x.user_id
             left join ${latest} l on l.user_id = x.user_id
           ${only} order by x.user_id`,
          params,
        );
        state.intervals = intervals.rows.map((r) => ({
          userId: r.user_id,
          status: r.status,
          startedAt: r.started_at,
          lastSeenAt: r.last_seen_at,
        }));
        const sessions = await c.query<{ user_id: string; started_at: Date; last_seen_at: Date }>(
          `select x.user_id, x.started_at, greatest(x.last_seen_at, u.present_at, l.present_at) as last_seen_at
           from ${t.openSessions} x left join ${t.seen} u on u.user_id = x.user_id
             left join ${latest} l on l.user_id = x.user_id
           ${only} order by x.user_id`,
          params,
        );
        state.sessions = sessions.rows.map((r) => ({
          userId: r.user_id,
          startedAt: r.started_at,
          lastSeenAt: r.last_seen_at,
        }));
      });
      return state;
    },

    async sessions(q: RangeQuery) {
      const range = rangeQuery(q);
      if (!range) return [];
      const { rows } = await query<SessionRow>(
        'sessions',
        `select id::text, user_id, ${ms('started_at')} as started, ${ms('ended_at')} as ended, ${ms('seen')} as seen,
           end_reason
         from (select x.id, x.user_id, x.started_at, x.ended_at, x.last_seen_at as seen, x.end_reason
               from ${t.closedSessions} x where ${range.closed}
               union all
               select x.id, x.user_id, x.started_at, null, greatest(x.last_seen_at, u.present_at, l.present_at), null
               from ${t.openSessions} x left join ${t.seen} u on u.user_id = x.user_id
                 left join ${latest} l on l.user_id = x.user_id
               where ${range.open}) x
         order by started_at, user_id, id`,
        range.params,
      );
      return rows.map(
        (r): Session => ({
          id: r.id,
          userId: r.user_id,
          startedAt: toDate(r.started),
          endedAt: r.ended === null ? null : toDate(r.ended),
          lastSeenAt: toDate(r.seen),
          endReason: r.end_reason,
        }),
      );
    },

    async intervals(q: RangeQuery) {
      const range = rangeQuery(q);
      if (!range) return [];
      const { rows } = await query<IntervalRow>(
        'intervals',
        `select user_id, status, ${ms('started_at')} as started, ${ms('ended_at')} as ended, raw
         from (select x.id, x.user_id, x.status, x.started_at, x.ended_at, x.raw
               from ${t.closedIntervals} x where ${range.closed}
               union all
               select x.id, x.user_id, x.status, x.started_at, null, x.raw
               from ${t.openIntervals} x where ${range.open}) x
         order by started_at, user_id, id`,
        range.params,
      );
      return rows.map((r): Interval => {
        const interval: Interval = {
          userId: r.user_id,
          status: r.status,
          startedAt: toDate(r.started),
          endedAt: r.ended === null ? null : toDate(r.ended),
        };
        if (r.raw !== null) interval.raw = r.raw;
        return interval;
      });
    },

    rollups: (q: RangeQuery) =>
      readRollups((sql, params) => query<RollupRow>('rollups', sql, params), o.schema, q),

    changes: (after) => transaction('changes', (c) => readChanges(c, o.schema, after)),

    async addCounters(add) {
      const token = tokenFor(add);
      await transaction('addCounters', async (c) => {
        const fresh = await c.query(`insert into ${t.applied} (token) values ($1) on conflict do nothing`, [
          token,
        ]);
        // An earlier attempt committed these counts but its answer was lost with the connection.
        if (fresh.rowCount === 0) return;
        if (!(await addCounters(c, o.schema, runKey(add.runId), add)))
          refuse('addCounters', `no run ${add.runId}`);
      });
    },

    counters: () => retrying('counters', () => readCounters(pool, o.schema)),

    async samples(q: RangeQuery) {
      const range = instantQuery(q);
      if (!range) return [];
      const { rows } = await query<SampleRow>(
        'samples',
        `select user_id, status, ${ms('observed_at')} as observed, source, raw
         from ${t.samples} x where ${range.where} order by observed_at, user_id`,
        range.params,
      );
      return rows.map((r): PresenceSample => {
        const sample: PresenceSample = {
          userId: r.user_id,
          status: r.status,
          observedAt: toDate(r.observed),
        };
        if (r.raw !== null) sample.raw = r.raw;
        if (r.source === 'poll' || r.source === 'push') sample.source = r.source;
        return sample;
      });
    },

    async outboxEnqueue(messages) {
      const token = tokenFor(messages);
      await transaction('outboxEnqueue', async (c) => {
        const fresh = await c.query(`insert into ${t.applied} (token) values ($1) on conflict do nothing`, [
          token,
        ]);
        if (fresh.rowCount !== 0) await enqueue(c, messages);
      });
    },

    async outboxPending(notifier, limit) {
      const { rows } = await query<OutboxRow>(
        'outboxPending',
        `select seq::text, notifier, event_id, type, "timestamp", data, attempts, next_attempt_at, last_error
         from ${t.outbox} where notifier = $1 and next_attempt_at is not null order by seq limit $2`,
        [notifier, limit],
      );
      return rows.map(
        (r): OutboxEntry => ({
          notifier: r.notifier,
          event: { id: r.event_id, type: r.type, timestamp: r.timestamp, data: r.data },
          seq: Number(r.seq),
          attempts: r.attempts,
          nextAttemptAt: r.next_attempt_at,
          lastError: r.last_error,
        }),
      );
    },

    async outboxDelivered(seqs) {
      await query('outboxDelivered', `delete from ${t.outbox} where seq = any($1::int8[])`, [seqs]);
    },

    async outboxFailed(attempt) {
      const { rowCount } = await query(
        'outboxFailed',
        `update ${t.outbox} set attempts = $2, next_attempt_at = $3, last_error = $4 where seq = $1`,
        [attempt.seq, attempt.attempts, attempt.nextAttemptAt, attempt.error],
      );
      if (rowCount === 0) refuse('outboxFailed', `no outbox entry ${attempt.seq}`);
    },

    async purgeUser(userId) {
      await transaction('purgeUser', async (c) => {
        const tables = [
          t.users,
          t.closedIntervals,
          t.openIntervals,
          t.closedSessions,
          t.openSessions,
          t.samples,
          t.seen,
          t.rollups,
        ];
        for (const table of tables) {
          // The log names the person among others: folded just before user_seen's delete, their
          // sightings go with it. Not first: a fold locks the log and user_seen rows, and a poll
          // that closed the person's open rows waits on the log while holding them, so a purge
          // that folded first and then waited on those rows deadlocked with it.
          if (table === t.seen) await c.query(foldSightingsSql(o.schema));
          // The rollups' parts name the person among others too: folded just before the digests' delete.
          if (table === t.rollups) await c.query(foldRollupPartsSql(o.schema));
          await c.query(`delete from ${table} where ${table === t.users ? 'id' : 'user_id'} = $1`, [userId]);
        }
      });
    },

    async close() {
      // Once, without retrying: readers read the log too, so a fold left undone loses nothing.
      if (unfolded && !closed) {
        await pool.query(`${foldSightingsSql(o.schema)}; ${foldRollupPartsSql(o.schema)}`).then(
          () => {
            unfolded = false;
          },
          (error: Error) =>
            logger.warn(
              { store: STORE_NAME, error: error.message },
              'sightings and rollup parts not folded on close',
            ),
        );
      }
      closed = true;
      if (ownsPool) await pool.end();
    },
  };

  return defineStore(
    {
      name: STORE_NAME,
      capabilities: {
        samples: o.keepSamples,
        fencing: true,
        readOnly: o.readOnly,
        rollups: true,
        changes: true,
        counters: true,
      },
      driver,
      toStoreError,
    },
    (call) => ({
      schema: o.schema,
      pool,
      purgeSamples: (before: Date) =>
        call(
          'purgeSamples',
          'write',
          (c) => c.date(before, 'before'),
          async () => {
            const { rowCount } = await query(
              'purgeSamples',
              `delete from ${t.samples} where observed_at < $1`,
              [before],
            );
            return rowCount ?? 0;
          },
        ),
    }),
  );

  async function enqueue(c: pg.PoolClient, messages: readonly OutboxMessage[]) {
    await c.query(
      `insert into ${t.outbox} (notifier, event_id, type, "timestamp", data, next_attempt_at)
       select n, i, ty, ts, d::json, ts
       from unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[], $5::text[]) with ordinality as v(n, i, ty, ts, d, o)
       order by o`,
      [
        messages.map((m) => m.notifier),
        messages.map((m) => m.event.id),
        messages.map((m) => m.event.type),
        messages.map((m) => iso(m.event.timestamp)),
        messages.map((m) => JSON.stringify(m.event.data)),
      ],
    );
  }

  /** Retention, and forgetting old write tokens: cheap, so done inside a write about once an hour. */
  async function houseKeep(c: pg.PoolClient, at: Date) {
    if (o.keepSamples && o.retainMs !== null) {
      await c.query(`delete from ${t.samples} where observed_at < $1`, [new Date(at.getTime() - o.retainMs)]);
    }
    await c.query(`delete from ${t.applied} where applied_at < now() - make_interval(days => $1)`, [
      TOKEN_DAYS,
    ]);
  }
}

interface UserRow {
  id: string;
  key: string;
  display_name: string | null;
  email: string | null;
  severity: number;
  groups: { kind: string; id: string; name: string | null; attrs: Record<string, unknown> | null }[] | null;
}
interface RunRow {
  id: string;
  started_at: Date;
  ended_at: Date | null;
}
interface SessionRow {
  id: string;
  user_id: string;
  started: number;
  ended: number | null;
  seen: number;
  end_reason: SessionEndReason | null;
}
interface IntervalRow {
  user_id: string;
  status: Status;
  started: number;
  ended: number | null;
  raw: Record<string, unknown> | null;
}
interface SampleRow {
  user_id: string;
  status: Status;
  observed: number;
  source: string | null;
  raw: Record<string, unknown> | null;
}
interface OutboxRow {
  seq: string;
  notifier: string;
  event_id: string;
  type: OutboxEntry['event']['type'];
  timestamp: Date;
  data: Record<string, unknown>;
  attempts: number;
  next_attempt_at: Date | null;
  last_error: string | null;
}

function toUser(r: UserRow): User {
  const user: User = { key: r.key, id: r.id, severity: r.severity as Severity };
  if (r.display_name !== null) user.displayName = r.display_name;
  if (r.email !== null) user.email = r.email;
  if (r.groups) {
    user.groups = r.groups.map((g) => {
      const group: Group = { kind: g.kind, id: g.id };
      if (g.name !== null) group.name = g.name;
      return g.attrs ? { ...group, ...g.attrs } : group;
    });
  }
  return user;
}

function refuse(what: string, message: string): never {
  throw new StoreError(STORE_NAME, message.startsWith(what) ? message : `${what}: ${message}`);
}

function raced(): never {
  throw new StoreError(
    STORE_NAME,
    'writePoll refused, nothing was written: another writer changed the same open intervals or sessions at the same time',
    { code: 'STORE_CONFLICT' },
  );
}

/** Run ids are the database's bigint keys; anything else names no run. */
function runKey(runId: string): string {
  return typeof runId === 'string' && /^[1-9][0-9]{0,17}$/.test(runId) ? runId : '0';
}

function iso(date: Date | null): string | null {
  return date === null ? null : date.toISOString();
}

/**
 * The SQL filters for a range query, one for the closed table and one for the open one, or `null`
 * when it can hold nothing. Overlapping `[from, to)` means, as in the reference store, starting
 * before `to` and ending after `from` (or not yet), rows of no length included. Closed rows by the
 * BRIN index of their start and end (schema version 13); open rows by their start, the open table
 * read whole: one row per person.
 */
function rangeQuery(q: RangeQuery): { closed: string; open: string; params: unknown[] } | null {
  const closed = 'x.started_at < $2 and x.ended_at > $1';
  const open = 'x.started_at < $2';
  if (q.userIds === undefined) return { closed, open, params: [q.from, q.to] };
  if (q.userIds.length === 0) return null;
  const only = ' and x.user_id = any($3::text[])';
  return { closed: closed + only, open: open + only, params: [q.from, q.to, q.userIds] };
}

/** The items `test` holds for, and the others, each in the order given. */
function partition<T>(items: readonly T[], test: (item: T) => boolean): [T[], T[]] {
  const yes: T[] = [];
  const no: T[] = [];
  for (const x of items) (test(x) ? yes : no).push(x);
  return [yes, no];
}

/** A write's new records: those it also closes, and those it leaves open. */
function finishedAndOpen<R extends { endedAt: Date | null }>(records: readonly R[]): [R[], R[]] {
  return partition(records, (r) => r.endedAt !== null);
}

/** The filter for instants in `[from, to)`, or `null` when the range holds none. */
function instantQuery(q: RangeQuery): { where: string; params: unknown[] } | null {
  const range = rangeQuery(q);
  if (range === null || q.from.getTime() >= q.to.getTime()) return null;
  const only = q.userIds === undefined ? '' : ' and x.user_id = any($3::text[])';
  return { where: `x.observed_at >= $1 and x.observed_at < $2${only}`, params: range.params };
}
