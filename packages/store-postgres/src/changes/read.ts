import {
  type Interval,
  type Run,
  type Session,
  type SessionEndReason,
  type Status,
  type StoreChanges,
  StoreError,
} from '@presence-tracker/core';
import type pg from 'pg';
import { STORE_NAME } from '../connection.ts';
import { LOCK_NAMESPACE } from '../migrations.ts';
import { latestSightingsSql } from '../sightings.ts';

/** Instants leave as epoch milliseconds (float8), as in the store's range queries. */
const ms = (column: string) => `date_part('epoch', ${column}) * 1000`;
const toDate = (epochMs: number) => new Date(Math.round(epochMs));

type IntervalTuple = [string, Status, number, number | null, Record<string, unknown> | null];
type SessionTuple = [string, string, number, number | null, number, SessionEndReason | null];
type RunTuple = [string, number, number | null];

/**
 * What was opened or closed after `after`, in one repeatable-read snapshot: the rows whose `changed`
 * transaction lies in `[after, cursor)`, and the new cursor. Transactions commit out of the order of
 * their ids, so the cursor must stay below every transaction that may still write this schema:
 *
 * 1. the snapshot, and the ids of the transactions that hold this schema's writer mark (`markWriter`)
 *    now, read after it;
 * 2. the cursor: the snapshot's next id (`xmax`), lowered to each id the snapshot saw running that
 *    still holds the mark, or that has ended since the snapshot (whether it wrote here or not, its
 *    rows are not in the snapshot). An id that is still running without the mark writes no record
 *    here: writers take the mark before they have an id, and keep it to their end.
 *
 * The new cursor is never below `after`. So nothing can later appear behind the cursor, and no
 * transaction elsewhere on the server (another schema, another database) holds it back; only this
 * schema's own writes in flight do.
 */
export async function readChanges(
  client: pg.ClientBase,
  schema: string,
  after: string | null,
): Promise<StoreChanges> {
  if (after !== null && !isCursor(after)) invalid(after);
  await client.query('set transaction isolation level repeatable read, read only');
  const seen = await client.query<{ xmax: string; xip: string[]; writers: string[] }>(
    `select pg_snapshot_xmax(s)::text as xmax, array(select x::text from pg_snapshot_xip(s) x) as xip,
       array(select w.transactionid::text from pg_locks m
             join pg_locks w on w.virtualtransaction = m.virtualtransaction and w.locktype = 'transactionid'
               and w.mode = 'ExclusiveLock' and w.granted
             where m.locktype = 'advisory' and m.database = (select oid from pg_database where datname = current_database())
               and m.classid = $1::int4::oid and m.objid = hashtext($2)::oid and m.objsubid = 2) as writers
     from (select pg_current_snapshot() as s) snapshot`,
    [LOCK_NAMESPACE, `${schema} writes`],
  );
  const { xmax, xip, writers } = seen.rows[0]!;
  // A transaction holds its own id's lock exclusively (one it waits for, it asks to share), and
  // pg_locks names it by the 32-bit id; the snapshot by the 64-bit one.
  const marked = new Set(writers);
  const running = xip.filter((x) => marked.has(String(BigInt(x) & 0xffffffffn)));
  const unmarked = xip.filter((x) => !marked.has(String(BigInt(x) & 0xffffffffn)));

  const s = `"${schema}"`;
  const between = 'changed >= $1::xid8 and changed < upto';
  const { rows } = await client.query<{
    upto: string;
    ahead: boolean;
    intervals: IntervalTuple[] | null;
    sessions: SessionTuple[] | null;
    runs: RunTuple[] | null;
  }>(
    `with bound as materialized (
       select least($2::xid8, (select min(x) from unnest($3::xid8[]) x),
         (select min(x) from unnest($4::xid8[]) x where pg_xact_status(x) is distinct from 'in progress')) as lowest),
     cursor as materialized (select greatest(lowest, $1::xid8) as upto from bound)
     select upto::text as upto, coalesce($1::xid8 > $2::xid8, false) as ahead,
       (select json_agg(json_build_array(user_id, status, ${ms('started_at')}, ${ms('ended_at')}, raw) order by changed, id)
          from (select id, changed, user_id, status, started_at, ended_at, raw from ${s}.closed_intervals where ${between}
                union all
                select id, changed, user_id, status, started_at, null, raw from ${s}.open_intervals where ${between}) x
       ) as intervals,
       (select json_agg(json_build_array(id::text, user_id, ${ms('started_at')}, ${ms('ended_at')}, ${ms('seen')}, end_reason)
            order by changed, id)
          from (select id, changed, user_id, started_at, ended_at, last_seen_at as seen, end_reason
                from ${s}.closed_sessions where ${between}
                union all
                select x.id, x.changed, x.user_id, x.started_at, null, greatest(x.last_seen_at, u.present_at, l.present_at), null
                from ${s}.open_sessions x left join ${s}.user_seen u on u.user_id = x.user_id
                  left join ${latestSightingsSql(schema)} l on l.user_id = x.user_id
                where x.${between}) x
       ) as sessions,
       (select json_agg(json_build_array(id::text, ${ms('started_at')}, ${ms('ended_at')}) order by changed, id)
          from ${s}.runs where ${between}) as runs
     from cursor`,
    [after, xmax, running, unmarked],
  );
  // A cursor above the snapshot's next id was never given by this server. One below it is kept even
  // when this read's bound is lower (a transaction that was no writer ended between the snapshot and
  // its status check): it was safe when given, and stays so.
  const row = rows[0]!;
  if (row.ahead) invalid(after);
  return {
    cursor: row.upto,
    intervals: (row.intervals ?? []).map(([userId, status, started, ended, raw]) => {
      const interval: Interval = {
        userId,
        status,
        startedAt: toDate(started),
        endedAt: ended === null ? null : toDate(ended),
      };
      if (raw !== null) interval.raw = raw;
      return interval;
    }),
    sessions: (row.sessions ?? []).map(
      ([id, userId, started, ended, seen, endReason]): Session => ({
        id,
        userId,
        startedAt: toDate(started),
        endedAt: ended === null ? null : toDate(ended),
        lastSeenAt: toDate(seen),
        endReason,
      }),
    ),
    runs: (row.runs ?? []).map(
      ([id, started, ended]): Run => ({
        id,
        startedAt: toDate(started),
        endedAt: ended === null ? null : toDate(ended),
      }),
    ),
  };
}

/** A cursor is a transaction id of this server: a decimal that fits in 64 bits. */
function isCursor(after: string): boolean {
  return /^[0-9]{1,20}$/.test(after) && BigInt(after) < 2n ** 64n;
}

function invalid(after: string | null): never {
  throw new StoreError(
    STORE_NAME,
    `changes: after: expected a cursor of this store, got ${JSON.stringify(after)}`,
    {
      code: 'STORE_INVALID',
      details: { operation: 'changes', field: 'after' },
    },
  );
}
