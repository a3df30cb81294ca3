import {
  ConfigError,
  type Effect,
  type Interval,
  type OpenState,
  type OutboxEntry,
  type OutboxMessage,
  type PollWrite,
  type PresenceSample,
  type PresenceStore,
  type RangeQuery,
  type Run,
  type Session,
  type SessionEndReason,
  type Status,
  StoreError,
  type User,
} from '@presence-tracker/core';
import Sqlite, { type Database } from 'better-sqlite3';
import { checkVersion, migrate } from './migrations.ts';
import { type ResolvedOptions, resolveOptions, type SqliteStoreOptions } from './options.ts';
import { WriterLock } from './writer-lock.ts';

const NAME = 'sqlite';
const HOUR = 3_600_000;

/**
 * The embedded default store: one SQLite file in WAL mode, so report processes read while one
 * tracker writes. Opens (and migrates) the file on first use.
 *
 * ```ts
 * const store = sqliteStore({ path: 'presence.db' });
 * ```
 */
export function sqliteStore(options: SqliteStoreOptions): PresenceStore {
  const opts = resolveOptions(options);
  let connection: Connection | null = null;
  let closed = false;

  const connect = (): Connection => {
    if (closed) throw new StoreError(NAME, 'the store is closed', { code: 'STORE_CLOSED' });
    connection ??= new Connection(opts);
    return connection;
  };
  /** Runs one call, turning driver errors into `StoreError`s that say what was being done. */
  const call = <T>(what: string, body: (c: Connection) => T): Promise<T> => {
    try {
      return Promise.resolve(body(connect()));
    } catch (error) {
      return Promise.reject(toStoreError(error, what, opts));
    }
  };

  return {
    name: NAME,
    capabilities: { samples: opts.keepSamples },

    init: () => call('opening the database', () => undefined),
    upsertUsers: (users) => call('saving users', (c) => c.upsertUsers(users)),
    users: () => call('reading users', (c) => c.users()),
    startRun: (startedAt) => call('starting a run', (c) => c.startRun(startedAt)),
    endRun: (runId, endedAt) => call('ending a run', (c) => c.endRun(runId, endedAt)),
    runs: (query) => call('reading runs', (c) => c.runs(query)),
    writePoll: (write) => call('writing a poll', (c) => c.writePoll(write)),
    openState: (query) => call('reading open state', (c) => c.openState(query?.userIds)),
    sessions: (query) => call('reading sessions', (c) => c.sessions(query)),
    intervals: (query) => call('reading intervals', (c) => c.intervals(query)),
    samples: (query) => call('reading samples', (c) => c.samples(query)),
    outboxEnqueue: (messages) => call('queueing notifications', (c) => c.outboxEnqueue(messages)),
    outboxPending: (query) =>
      call('reading the outbox', (c) => c.outboxPending(query.notifier, query.limit ?? 100)),
    outboxDelivered: (seqs) => call('updating the outbox', (c) => c.outboxDelivered(seqs)),
    outboxFailed: (attempt) =>
      call('updating the outbox', (c) =>
        c.outboxFailed(attempt.seq, attempt.attempts, attempt.nextAttemptAt, attempt.error),
      ),
    purgeUser: (userId) => call('purging a user', (c) => c.purgeUser(userId)),

    async close() {
      if (closed) return;
      closed = true;
      connection?.close();
      connection = null;
    },
  };
}

type Row = unknown[];
/** A user's newest confirmation in one poll, and the newest that showed them present. */
type SeenAt = { at: number; presentAt: number | null };

/** One open database file and its prepared statements. */
class Connection {
  private readonly db: Database;
  private readonly lock: WriterLock;
  private readonly opts: ResolvedOptions;
  private readonly s: ReturnType<typeof prepare>;
  private lastPurgeAt: number | null = null;

  constructor(opts: ResolvedOptions) {
    this.opts = opts;
    const db = new Sqlite(opts.path, { timeout: opts.busyTimeout });
    try {
      // Before anything writes to it: a newer file is left exactly as it is.
      checkVersion(db, undefined, describeFile(opts.path));
      // WAL lets readers in other processes read while the tracker writes; NORMAL sync is durable
      // against a crashed process, and only a power loss can take back the last commits.
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      // Room for the open-record and start indexes a poll touches, so a poll rarely waits on the disk.
      db.pragma('cache_size = -32768');
      migrate(db, undefined, describeFile(opts.path));
      this.s = prepare(db);
    } catch (error) {
      db.close();
      throw error;
    }
    this.db = db;
    this.lock = new WriterLock(db, describeFile(opts.path), opts.lockTimeout);
  }

  close() {
    // Planner statistics are the writer's to refresh: a reader closing must not wait for the writer.
    if (this.lock.holding) {
      try {
        this.db.pragma('optimize');
      } catch {
        // Only statistics; a busy file keeps the old ones.
      }
    }
    this.lock.release();
    this.db.close();
  }

  /** Runs `body` as the file's writer, in one `BEGIN IMMEDIATE` transaction. */
  private write<T>(body: () => T): T {
    this.lock.acquire();
    return this.db
      .transaction(() => {
        this.lock.confirm();
        return body();
      })
      .immediate();
  }

  upsertUsers(users: readonly User[]) {
    for (const [i, u] of users.entries()) checkUser(u, i);
    this.write(() => {
      for (const u of users) {
        this.s.upsertUser.run(
          u.id,
          u.key,
          u.displayName ?? null,
          u.email ?? null,
          u.severity ?? 0,
          u.groups === undefined ? 0 : 1,
        );
        this.s.deleteGroups.run(u.id);
        for (const [position, g] of (u.groups ?? []).entries()) {
          this.s.insertGroup.run(u.id, g.kind, g.id, g.name ?? null, position);
        }
      }
    });
  }

  users(): User[] {
    const groups = new Map<string, NonNullable<User['groups']>>();
    for (const [userId, kind, id, name] of this.s.allGroups.all() as Row[]) {
      let list = groups.get(userId as string);
      if (!list) {
        list = [];
        groups.set(userId as string, list);
      }
      list.push(
        name === null
          ? { kind: kind as string, id: id as string }
          : { kind: kind as string, id: id as string, name: name as string },
      );
    }
    return (this.s.allUsers.all() as Row[]).map(([id, key, displayName, email, severity, hasGroups]) => {
      const u: User = { key: key as string, id: id as string, severity: severity as User['severity'] };
      if (displayName !== null) u.displayName = displayName as string;
      if (email !== null) u.email = email as string;
      if (hasGroups) u.groups = groups.get(id as string) ?? [];
      return u;
    });
  }

  startRun(startedAt: Date): Run {
    const at = ms(startedAt, 'startedAt');
    const id = this.write(() => this.s.insertRun.get(at) as { id: number }).id;
    return { id: String(id), startedAt: new Date(at), endedAt: null };
  }

  endRun(runId: string, endedAt: Date) {
    const at = ms(endedAt, 'endedAt');
    this.write(() => {
      if (this.s.endRun.run(at, runKey(runId)).changes === 1) return;
      const exists = this.s.runExists.get(runKey(runId));
      throw new StoreError(NAME, exists ? `run ${runId} has already ended` : `no run ${runId}`);
    });
  }

  runs({ from, to }: { from: Date; to: Date }): Run[] {
    return (this.s.runsOverlapping.all({ from: ms(from, 'from'), to: ms(to, 'to') }) as Row[]).map(
      ([id, startedAt, endedAt]) => ({
        id: String(id),
        startedAt: new Date(startedAt as number),
        endedAt: endedAt === null ? null : new Date(endedAt as number),
      }),
    );
  }

  writePoll(write: PollWrite) {
    const at = ms(write?.at, 'at');
    const run = runKey(write.runId);
    const effects = write.effects ?? [];
    const readings = this.opts.keepSamples ? sampleBatch(write.samples ?? []) : null;
    const outbox = outboxRows(write.outbox ?? []);
    const purgeBefore =
      this.opts.retention !== null && (this.lastPurgeAt === null || at - this.lastPurgeAt >= HOUR)
        ? at - this.opts.retention
        : null;
    this.write(() => {
      if (this.s.touchRun.run({ at, run }).changes === 0) throw new StoreError(NAME, `no run ${write.runId}`);
      this.applyEffects(effects);
      if (readings) this.s.insertSamples.run(readings);
      for (const row of outbox) this.s.insertOutbox.run(row);
      if (purgeBefore !== null) this.s.purgeSamples.run(purgeBefore);
    });
    if (purgeBefore !== null) this.lastPurgeAt = at;
  }

  /**
   * Applies effects in order. The open-record indexes refuse a second open interval or session, and
   * a close that finds nothing open throws, so the surrounding transaction leaves nothing behind.
   * `seen` effects, one per user per poll, become one statement for the whole poll: last-seen times
   * only grow, and one older than an open record's start is read as that start, so their order
   * against the other effects does not matter.
   */
  private applyEffects(effects: readonly Effect[]) {
    const seen = new Map<string, SeenAt>();
    let longestInterval = 0;
    let longestSession = 0;
    effects.forEach((e, i) => {
      const field = (name: string) => `effects[${i}].${name}`;
      if (typeof e?.userId !== 'string') throw new StoreError(NAME, `${field('userId')}: expected a user id`);
      const { userId } = e;
      switch (e.type) {
        case 'seen': {
          const at = ms(e.at, field('at'));
          const prior = seen.get(userId);
          if (!prior) seen.set(userId, { at, presentAt: e.present ? at : null });
          else {
            prior.at = Math.max(prior.at, at);
            if (e.present) prior.presentAt = Math.max(prior.presentAt ?? at, at);
          }
          return;
        }
        case 'interval.open': {
          const start = ms(e.startedAt, field('startedAt'));
          if (typeof e.status !== 'string')
            throw new StoreError(NAME, `${field('status')}: expected a status`);
          const raw = e.raw === undefined ? null : JSON.stringify(e.raw);
          refuseSecond(
            () => this.s.openInterval.run(userId, e.status, start, raw),
            `user ${userId} already has an open interval`,
          );
          return;
        }
        case 'interval.close': {
          const end = ms(e.endedAt, field('endedAt'));
          const row = this.s.closeInterval.get(end, userId) as Row | undefined;
          if (!row) throw new StoreError(NAME, `user ${userId} has no open interval to close`, CONFLICT);
          longestInterval = Math.max(longestInterval, end - (row[0] as number));
          return;
        }
        case 'session.open': {
          const start = ms(e.startedAt, field('startedAt'));
          refuseSecond(
            () => this.s.openSession.run(userId, start, start),
            `user ${userId} already has an open session`,
          );
          return;
        }
        case 'session.close': {
          const end = ms(e.endedAt, field('endedAt'));
          const lastSeen = ms(e.lastSeenAt, field('lastSeenAt'));
          const row = this.s.closeSession.get(end, lastSeen, e.reason, userId) as Row | undefined;
          if (!row) throw new StoreError(NAME, `user ${userId} has no open session to close`, CONFLICT);
          longestSession = Math.max(longestSession, end - (row[0] as number));
          return;
        }
        case 'unavailable.long':
          return;
        default:
          throw new StoreError(
            NAME,
            `${field('type')}: unknown effect ${String((e as { type: unknown }).type)}`,
          );
      }
    });
    if (seen.size > 0) {
      const rows: [string, number, number | null][] = [];
      for (const [userId, s] of seen) rows.push([userId, s.at, s.presentAt]);
      this.s.markSeen.run(JSON.stringify(rows));
    }
    if (longestInterval > 0) this.s.widenSpan.run(longestInterval, 'intervals');
    if (longestSession > 0) this.s.widenSpan.run(longestSession, 'sessions');
  }

  openState(userIds?: readonly string[]): OpenState {
    const ids = userIds === undefined ? null : JSON.stringify(checkIds(userIds));
    return {
      runs: (this.s.openRuns.all() as Row[]).map(([id, startedAt, lastPollAt]) => ({
        id: String(id),
        startedAt: new Date(startedAt as number),
        lastPollAt: lastPollAt === null ? null : new Date(lastPollAt as number),
      })),
      intervals: (this.s.openIntervals.all({ ids }) as Row[]).map(
        ([userId, status, startedAt, lastSeenAt]) => ({
          userId: userId as string,
          status: status as Status,
          startedAt: new Date(startedAt as number),
          lastSeenAt: new Date(lastSeenAt as number),
        }),
      ),
      sessions: (this.s.openSessions.all({ ids }) as Row[]).map(([userId, startedAt, lastSeenAt]) => ({
        userId: userId as string,
        startedAt: new Date(startedAt as number),
        lastSeenAt: new Date(lastSeenAt as number),
      })),
    };
  }

  intervals(q: RangeQuery): Interval[] {
    return this.overlapping('intervals', q).map(([userId, status, startedAt, endedAt, raw]) => {
      const interval: Interval = {
        userId: userId as string,
        status: status as Status,
        startedAt: new Date(startedAt as number),
        endedAt: endedAt === null ? null : new Date(endedAt as number),
      };
      if (raw !== null) interval.raw = JSON.parse(raw as string);
      return interval;
    });
  }

  sessions(q: RangeQuery): Session[] {
    return this.overlapping('sessions', q).map(([userId, startedAt, endedAt, id, lastSeenAt, endReason]) => ({
      id: String(id),
      userId: userId as string,
      startedAt: new Date(startedAt as number),
      endedAt: endedAt === null ? null : new Date(endedAt as number),
      lastSeenAt: new Date(lastSeenAt as number),
      endReason: endReason as SessionEndReason | null,
    }));
  }

  /**
   * Records overlapping `[from, to)`. A closed record that overlaps cannot start earlier than
   * `from` minus the longest closed record, so the start index is scanned from there; records still
   * open may start anywhere before and come from the open-record index. Those all start before the
   * rest, so the two parts concatenate in order.
   */
  private overlapping(table: 'intervals' | 'sessions', q: RangeQuery): Row[] {
    const from = ms(q?.from, 'from');
    const to = ms(q.to, 'to');
    if (from >= to) return [];
    const longest = (this.s.span.get(table) as Row)[0] as number;
    const lowest = from - longest;
    const ids = q.userIds === undefined ? null : JSON.stringify(checkIds(q.userIds));
    const t = this.s[table];
    const early = ids === null ? t.openBefore.all(lowest) : t.openBeforeFor.all(lowest, ids);
    const rest = ids === null ? t.range.all({ lowest, to, from }) : t.rangeFor.all({ lowest, to, from, ids });
    return early.length === 0 ? (rest as Row[]) : [...(early as Row[]), ...(rest as Row[])];
  }

  samples(q: RangeQuery): PresenceSample[] {
    if (!this.opts.keepSamples) return [];
    const from = ms(q?.from, 'from');
    const to = ms(q.to, 'to');
    const only = q.userIds === undefined ? null : new Set(checkIds(q.userIds));
    const found: Reading[] = [];
    for (const [text] of this.s.samples.all(from, to) as Row[]) {
      for (const r of JSON.parse(text as string) as Reading[]) {
        if (r[1] >= from && r[1] < to && (only === null || only.has(r[0]))) found.push(r);
      }
    }
    found.sort(byTimeThenUser);
    return found.map(([userId, observedAt, status, source, raw]) => {
      const s: PresenceSample = { userId, status: status as Status, observedAt: new Date(observedAt) };
      if (raw !== null) s.raw = raw;
      if (source !== null) s.source = source as 'poll' | 'push';
      return s;
    });
  }

  outboxEnqueue(messages: readonly OutboxMessage[]) {
    const rows = outboxRows(messages);
    this.write(() => {
      for (const row of rows) this.s.insertOutbox.run(row);
    });
  }

  outboxPending(notifier: string, limit: number): OutboxEntry[] {
    if (typeof notifier !== 'string') throw new StoreError(NAME, 'notifier: expected a notifier name');
    if (!Number.isInteger(limit) || limit < 1)
      throw new StoreError(NAME, `limit: expected a whole number above 0, got ${limit}`);
    return (this.s.outboxPending.all(notifier, limit) as Row[]).map(
      ([seq, name, eventId, type, timestamp, data, attempts, nextAttemptAt, lastError]) => ({
        seq: seq as number,
        notifier: name as string,
        event: {
          id: eventId as string,
          type: type as OutboxEntry['event']['type'],
          timestamp: new Date(timestamp as number),
          data: JSON.parse(data as string),
        },
        attempts: attempts as number,
        nextAttemptAt: nextAttemptAt === null ? null : new Date(nextAttemptAt as number),
        lastError: lastError as string | null,
      }),
    );
  }

  outboxDelivered(seqs: readonly number[]) {
    this.write(() => {
      for (const seq of seqs) this.s.outboxDelete.run(seq);
    });
  }

  outboxFailed(seq: number, attempts: number, nextAttemptAt: Date | null, error: string) {
    const next = nextAttemptAt === null ? null : ms(nextAttemptAt, 'nextAttemptAt');
    this.write(() => {
      if (this.s.outboxFailed.run(attempts, next, String(error), seq).changes === 0) {
        throw new StoreError(NAME, `no outbox entry ${seq}`);
      }
    });
  }

  purgeUser(userId: string) {
    if (typeof userId !== 'string') throw new StoreError(NAME, 'userId: expected a user id');
    this.write(() => {
      for (const statement of this.s.purge) statement.run({ user: userId });
      this.s.dropEmptySamples.run();
    });
  }
}

function prepare(db: Database) {
  const rows = (sql: string) => db.prepare(sql).raw(true);
  const forUsers = 'user_id IN (SELECT value FROM json_each(?))';
  const overlapping = (table: 'intervals' | 'sessions', columns: string) => ({
    openBefore: rows(
      `SELECT ${columns} FROM ${table} WHERE ended_at IS NULL AND started_at < ? ORDER BY started_at, user_id`,
    ),
    openBeforeFor: rows(
      `SELECT ${columns} FROM ${table} WHERE ended_at IS NULL AND started_at < ? AND ${forUsers} ORDER BY started_at, user_id`,
    ),
    range: rows(
      `SELECT ${columns} FROM ${table} WHERE started_at >= @lowest AND started_at < @to AND (ended_at IS NULL OR ended_at > @from)
       ORDER BY started_at, user_id`,
    ),
    rangeFor: rows(
      `SELECT ${columns} FROM ${table} WHERE user_id IN (SELECT value FROM json_each(@ids)) AND started_at >= @lowest
       AND started_at < @to AND (ended_at IS NULL OR ended_at > @from) ORDER BY started_at, user_id`,
    ),
  });
  return {
    upsertUser: db.prepare(
      `INSERT INTO users (id, key, display_name, email, severity, has_groups) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET key = excluded.key, display_name = excluded.display_name, email = excluded.email,
         severity = excluded.severity, has_groups = excluded.has_groups`,
    ),
    deleteGroups: db.prepare('DELETE FROM user_groups WHERE user_id = ?'),
    insertGroup: db.prepare(
      'INSERT OR REPLACE INTO user_groups (user_id, kind, group_id, name, position) VALUES (?, ?, ?, ?, ?)',
    ),
    allUsers: rows('SELECT id, key, display_name, email, severity, has_groups FROM users ORDER BY id'),
    allGroups: rows('SELECT user_id, kind, group_id, name FROM user_groups ORDER BY user_id, position'),

    insertRun: db.prepare('INSERT INTO runs (started_at) VALUES (?) RETURNING id'),
    endRun: db.prepare('UPDATE runs SET ended_at = ? WHERE id = ? AND ended_at IS NULL'),
    runExists: db.prepare('SELECT 1 FROM runs WHERE id = ?'),
    touchRun: db.prepare(
      'UPDATE runs SET last_poll_at = max(coalesce(last_poll_at, @at), @at) WHERE id = @run',
    ),
    runsOverlapping: rows(
      'SELECT id, started_at, ended_at FROM runs WHERE started_at < @to AND (ended_at IS NULL OR ended_at > @from) ORDER BY started_at, id',
    ),
    openRuns: rows(
      'SELECT id, started_at, last_poll_at FROM runs WHERE ended_at IS NULL ORDER BY started_at, id',
    ),

    openInterval: db.prepare('INSERT INTO intervals (user_id, status, started_at, raw) VALUES (?, ?, ?, ?)'),
    closeInterval: rows(
      'UPDATE intervals SET ended_at = ? WHERE user_id = ? AND ended_at IS NULL RETURNING started_at',
    ),
    openSession: db.prepare('INSERT INTO sessions (user_id, started_at, last_seen_at) VALUES (?, ?, ?)'),
    closeSession: rows(
      `UPDATE sessions SET ended_at = ?, last_seen_at = ?, end_reason = ? WHERE user_id = ? AND ended_at IS NULL
       RETURNING started_at`,
    ),
    markSeen: db.prepare(
      `INSERT INTO last_seen (user_id, interval_at, session_at)
       SELECT value ->> 0, value ->> 1, value ->> 2 FROM json_each(?) WHERE true
       ON CONFLICT (user_id) DO UPDATE SET interval_at = excluded.interval_at,
         session_at = coalesce(excluded.session_at, last_seen.session_at)`,
    ),
    widenSpan: db.prepare('UPDATE spans SET longest = max(longest, ?) WHERE name = ?'),
    span: rows('SELECT longest FROM spans WHERE name = ?'),

    openIntervals: rows(
      `SELECT i.user_id, i.status, i.started_at, max(i.started_at, coalesce(l.interval_at, 0))
       FROM intervals i LEFT JOIN last_seen l ON l.user_id = i.user_id
       WHERE i.ended_at IS NULL AND (@ids IS NULL OR i.user_id IN (SELECT value FROM json_each(@ids))) ORDER BY i.user_id`,
    ),
    openSessions: rows(
      `SELECT s.user_id, s.started_at, max(s.last_seen_at, coalesce(l.session_at, 0))
       FROM sessions s LEFT JOIN last_seen l ON l.user_id = s.user_id
       WHERE s.ended_at IS NULL AND (@ids IS NULL OR s.user_id IN (SELECT value FROM json_each(@ids))) ORDER BY s.user_id`,
    ),
    intervals: overlapping('intervals', 'user_id, status, started_at, ended_at, raw'),
    sessions: overlapping(
      'sessions',
      `user_id, started_at, ended_at, id, CASE WHEN ended_at IS NULL
         THEN max(last_seen_at, coalesce((SELECT session_at FROM last_seen l WHERE l.user_id = sessions.user_id), 0))
         ELSE last_seen_at END, end_reason`,
    ),

    insertSamples: db.prepare(
      'INSERT INTO samples (first_at, last_at, readings) VALUES (@first, @last, @readings)',
    ),
    samples: rows('SELECT readings FROM samples WHERE last_at >= ? AND first_at < ? ORDER BY first_at, id'),
    purgeSamples: db.prepare('DELETE FROM samples WHERE last_at < ?'),

    insertOutbox: db.prepare(
      `INSERT INTO outbox (notifier, event_id, type, timestamp, data, next_attempt_at) VALUES (?, ?, ?, ?, ?, ?)`,
    ),
    outboxPending: rows(
      `SELECT seq, notifier, event_id, type, timestamp, data, attempts, next_attempt_at, last_error FROM outbox
       WHERE notifier = ? AND next_attempt_at IS NOT NULL ORDER BY seq LIMIT ?`,
    ),
    outboxDelete: db.prepare('DELETE FROM outbox WHERE seq = ?'),
    outboxFailed: db.prepare(
      'UPDATE outbox SET attempts = ?, next_attempt_at = ?, last_error = ? WHERE seq = ?',
    ),

    dropEmptySamples: db.prepare("DELETE FROM samples WHERE readings = '[]'"),
    purge: [
      'DELETE FROM users WHERE id = @user',
      'DELETE FROM user_groups WHERE user_id = @user',
      'DELETE FROM intervals WHERE user_id = @user',
      'DELETE FROM sessions WHERE user_id = @user',
      `UPDATE samples SET readings = (
         SELECT json_group_array(json(r.value)) FROM json_each(samples.readings) AS r WHERE r.value ->> 0 <> @user)
       WHERE EXISTS (SELECT 1 FROM json_each(samples.readings) AS r WHERE r.value ->> 0 = @user)`,
      'DELETE FROM last_seen WHERE user_id = @user',
      // Queued notifications name the person too.
      "DELETE FROM outbox WHERE json_extract(data, '$.userId') = @user",
    ].map((sql) => db.prepare(sql)),
  };
}

/** One reading as kept in a poll's row: user id, observed at, status, source, raw words. */
type Reading = [string, number, string, string | null, Record<string, unknown> | null];

function byTimeThenUser(x: Reading, y: Reading): number {
  return x[1] - y[1] || (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0);
}

/** A poll's samples as one row of the samples table, or `null` when there are none. */
function sampleBatch(
  samples: readonly PresenceSample[],
): { first: number; last: number; readings: string } | null {
  if (samples.length === 0) return null;
  let first = Number.POSITIVE_INFINITY;
  let last = Number.NEGATIVE_INFINITY;
  const readings = samples.map((s, i): Reading => {
    if (typeof s?.userId !== 'string') throw new StoreError(NAME, `samples[${i}].userId: expected a user id`);
    if (typeof s.status !== 'string') throw new StoreError(NAME, `samples[${i}].status: expected a status`);
    const t = ms(s.observedAt, `samples[${i}].observedAt`);
    if (t < first) first = t;
    if (t > last) last = t;
    return [s.userId, t, s.status, s.source ?? null, s.raw ?? null];
  });
  return { first, last, readings: JSON.stringify(readings) };
}

function outboxRows(messages: readonly OutboxMessage[]): unknown[][] {
  return messages.map((m, i) => {
    if (typeof m?.notifier !== 'string')
      throw new StoreError(NAME, `outbox[${i}].notifier: expected a notifier name`);
    const e = m.event;
    if (typeof e?.id !== 'string' || typeof e.type !== 'string') {
      throw new StoreError(NAME, `outbox[${i}].event: expected an event with an id and a type`);
    }
    const timestamp = ms(e.timestamp, `outbox[${i}].event.timestamp`);
    return [m.notifier, e.id, e.type, timestamp, JSON.stringify(e.data ?? {}), timestamp];
  });
}

function checkUser(u: User, i: number) {
  const bad = (field: string, expected: string) => {
    throw new StoreError(NAME, `users[${i}].${field}: expected ${expected}`);
  };
  if (typeof u?.id !== 'string' || u.id === '') bad('id', 'a non-empty user id');
  if (typeof u.key !== 'string') bad('key', 'the configured key as a string');
  if (u.severity !== undefined && ![0, 1, 2, 3].includes(u.severity)) bad('severity', '0, 1, 2 or 3');
  if (u.groups !== undefined && !Array.isArray(u.groups)) bad('groups', 'a list of groups');
}

function checkIds(ids: readonly string[]): readonly string[] {
  if (!Array.isArray(ids) || ids.some((id) => typeof id !== 'string')) {
    throw new StoreError(NAME, 'userIds: expected a list of user ids');
  }
  return ids;
}

function ms(value: unknown, field: string): number {
  const t = value instanceof Date ? value.getTime() : Number.NaN;
  if (Number.isNaN(t)) throw new StoreError(NAME, `${field}: expected a valid Date, got ${String(value)}`);
  return t;
}

/** Run ids are the rows' integer keys; any other id names no run. */
/** A write that contradicts what the file holds open: retrying it cannot succeed. */
const CONFLICT = { code: 'STORE_CONFLICT' } as const;

function runKey(runId: string): number {
  return typeof runId === 'string' && /^[1-9]\d{0,15}$/.test(runId) ? Number(runId) : -1;
}

function refuseSecond(insert: () => unknown, message: string) {
  try {
    insert();
  } catch (error) {
    if ((error as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE')
      throw new StoreError(NAME, message, CONFLICT);
    throw error;
  }
}

function describeFile(path: string): string {
  return path === ':memory:' ? 'the in-memory database' : `database file ${path}`;
}

function toStoreError(error: unknown, what: string, opts: ResolvedOptions): Error {
  if (StoreError.isInstance(error) || ConfigError.isInstance(error)) return error;
  const code = (error as { code?: string })?.code ?? '';
  const reason = error instanceof Error ? error.message : String(error);
  if (code === 'SQLITE_BUSY' || code.startsWith('SQLITE_BUSY_')) {
    return new StoreError(
      NAME,
      `${what}: ${describeFile(opts.path)} stayed locked by another connection for longer than busyTimeout (${opts.busyTimeout} ms)`,
      { code: 'STORE_LOCKED', cause: error },
    );
  }
  return new StoreError(NAME, `${what} in ${describeFile(opts.path)} failed: ${reason}`, {
    cause: error,
    details: code ? { sqliteCode: code } : undefined,
  });
}
