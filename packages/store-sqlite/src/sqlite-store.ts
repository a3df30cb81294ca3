import {
  type CounterAdd,
  defineStore,
  type Interval,
  impliedOpen,
  type OpenState,
  type OutboxAttempt,
  type OutboxEntry,
  type OutboxMessage,
  opensClosed,
  type PollWrite,
  type PresenceSample,
  type PresenceStore,
  planWrite,
  type RangeQuery,
  RollupBatch,
  type RollupRead,
  type Run,
  type Session,
  type Status,
  type StoreChanges,
  StoreError,
  type User,
} from '@presence-tracker/core';
import Sqlite, { type Database } from 'better-sqlite3';
import { changeNumber, prepareChanges } from './changes.ts';
import { prepareCounters } from './counters.ts';
import { checkVersion, migrate, SCHEMA_VERSION } from './migrations.ts';
import { multiRowInsert } from './multi-row.ts';
import { byStart, recordIds } from './open-records.ts';
import { type ResolvedOptions, resolveOptions, type SqliteStoreOptions } from './options.ts';
import { appendRollups, prepareRollups, type RollupStatements, readRollups } from './rollups.ts';
import { intervalOf, sessionsOf } from './rows.ts';
import {
  prepareOverlay,
  prepareSightings,
  type SightingOverlay,
  type SightingWriter,
  splitSightings,
} from './sightings.ts';
import { WriterLock } from './writer-lock.ts';

const NAME = 'sqlite';
const HOUR = 3_600_000;
/** How much WAL a commit may leave before it is copied into the file (SQLite's default is 4 MB). */
const CHECKPOINT_BYTES = 16 * 1024 * 1024;
/**
 * The page size of a new file: SQLite's 4 KB, set rather than left to the build's default. 16 KB
 * pages write about a third of the WAL frames (a commit writes each page it changed as a frame of
 * its own, two system calls each), about 0.92 of a poll's CPU, but a tracker of 1,000,000 people
 * then holds about 100 MB more in the C heap. A file that exists keeps the size it was made with.
 */
const PAGE_SIZE = 4096;

/**
 * The embedded default store: one SQLite file in WAL mode, so report processes read while one
 * tracker writes. Opens (and migrates) the file on first use; with `readOnly` it opens the file
 * read-only, never migrates, never claims the writer role, and refuses every write.
 *
 * ```ts
 * const store = sqliteStore({ path: 'presence.db' });
 * ```
 */
export function sqliteStore(options: SqliteStoreOptions): PresenceStore {
  const opts = resolveOptions(options);
  let connection: Connection | null = null;
  const c = (): Connection => {
    connection ??= new Connection(opts);
    return connection;
  };

  return defineStore({
    name: NAME,
    capabilities: {
      samples: opts.keepSamples,
      fencing: false,
      readOnly: opts.readOnly,
      rollups: true,
      changes: true,
      counters: true,
    },
    toStoreError: (error, operation) => toStoreError(error, operation, opts),
    driver: {
      open: () => void c(),
      upsertUsers: (users) => c().upsertUsers(users),
      users: () => c().users(),
      startRun: (startedAt, outbox) => c().startRun(startedAt, outbox),
      endRun: (runId, endedAt) => c().endRun(runId, endedAt),
      runs: (query) => c().runs(query),
      writePoll: (write) => c().writePoll(write),
      openState: (userIds) => c().openState(userIds),
      sessions: (query) => c().sessions(query),
      intervals: (query) => c().intervals(query),
      samples: (query) => c().samples(query),
      rollups: (query) => c().rollups(query),
      changes: (after) => c().changes(after),
      addCounters: (add) => c().addCounters(add),
      counters: () => c().counters(),
      outboxEnqueue: (messages) => c().outboxEnqueue(messages),
      outboxPending: (notifier, limit) => c().outboxPending(notifier, limit),
      outboxDelivered: (seqs) => c().outboxDelivered(seqs),
      outboxFailed: (attempt) => c().outboxFailed(attempt),
      purgeUser: (userId) => c().purgeUser(userId),
      close() {
        connection?.close();
        connection = null;
      },
    },
  });
}

type Row = unknown[];

/** One open database file and its prepared statements. */
class Connection {
  private readonly db: Database;
  /** `null` when the file was opened read-only: such a connection never writes. */
  private readonly lock: WriterLock | null;
  private readonly opts: ResolvedOptions;
  private readonly s: ReturnType<typeof prepare>;
  private readonly r: RollupStatements;
  private readonly readChanges: ReturnType<typeof prepareChanges>;
  /** A fresh taker of the write's change number, for each write that may open or close records. */
  private readonly change: ReturnType<typeof changeNumber>;
  private readonly runCounters: ReturnType<typeof prepareCounters>;
  private readonly sightings: SightingWriter;
  private readonly takeIds: ReturnType<typeof recordIds>;
  private readonly overlay: () => SightingOverlay;
  private lastPurgeAt: number | null = null;
  /** Set once this connection switched the file to WAL, before its first write. */
  private wal = false;

  constructor(opts: ResolvedOptions) {
    this.opts = opts;
    const file = describeFile(opts.path);
    const db = new Sqlite(opts.path, {
      timeout: opts.busyTimeout,
      ...(opts.readOnly ? { readonly: true, fileMustExist: true } : {}),
    });
    try {
      if (opts.readOnly) {
        const version = checkVersion(db, undefined, file);
        if (version < SCHEMA_VERSION) {
          throw new StoreError(
            NAME,
            `${file} has schema version ${version}, older than this package's ${SCHEMA_VERSION}, and was opened read-only; open it once for writing (a tracker does) to migrate it`,
            { details: { found: version, known: SCHEMA_VERSION } },
          );
        }
      } else {
        // Before anything writes to it: a newer file is left exactly as it is.
        const version = checkVersion(db, undefined, file);
        // FULL syncs the WAL at every commit, so not even a power loss takes back a committed write;
        // then how often the WAL is copied into the file no longer decides what a power loss may take,
        // and the copy waits for 16 MB of WAL: a poll rewrites the same index pages poll after poll,
        // and each checkpoint copies every page once, whatever the number of commits it holds. The
        // cache holds the open records and the start indexes a poll touches.
        db.pragma('synchronous = FULL');
        db.pragma('cache_size = -32768');
        // A statement that inserts many rows keeps what it would undo (its statement journal) in
        // memory, not in a temporary file written at every poll.
        db.pragma('temp_store = MEMORY');
        if (version < SCHEMA_VERSION) {
          // Set before the first table, so it only takes in a new file; a file keeps the size it has.
          if (version === 0) db.pragma(`page_size = ${PAGE_SIZE}`);
          useWal(db);
          migrate(db, undefined, file);
        }
        const pageSize = db.pragma('page_size', { simple: true }) as number;
        db.pragma(`wal_autocheckpoint = ${Math.max(1, Math.round(CHECKPOINT_BYTES / pageSize))}`);
      }
      this.s = prepare(db);
      this.r = prepareRollups(db);
      this.overlay = prepareOverlay(db);
      this.readChanges = prepareChanges(db, this.overlay);
      this.change = changeNumber(db);
      this.runCounters = prepareCounters(db);
      this.sightings = prepareSightings(db);
      this.takeIds = recordIds(db);
    } catch (error) {
      db.close();
      throw error;
    }
    this.db = db;
    this.lock = opts.readOnly ? null : new WriterLock(db, file, opts.lockTimeout);
  }

  close() {
    if (this.lock) {
      // A file at rest keeps its sightings in last_seen only, so readers of it have no log to read.
      if (this.lock.holding) ignoreBusy(() => this.write(() => this.sightings.fold()));
      // Planner statistics are the writer's to refresh: a reader closing must not wait for the writer.
      if (this.lock.holding) ignoreBusy(() => this.db.pragma('optimize'));
      this.lock.release();
      // The last connection leaves the file in rollback mode, so a read-only reader (a report on a
      // read-only copy or folder) needs no -wal or -shm file beside it. While another connection is
      // open the switch is refused at once, and the file stays in WAL mode.
      if (this.opts.path !== ':memory:') {
        this.db.pragma('busy_timeout = 0');
        ignoreBusy(() => this.db.pragma('journal_mode = DELETE'));
      }
    }
    this.db.close();
  }

  /** Runs `body` as the file's writer, in one `BEGIN IMMEDIATE` transaction. */
  private write<T>(body: () => T): T {
    const lock = this.lock;
    if (!lock) throw new StoreError(NAME, 'the file was opened read-only', { code: 'STORE_READ_ONLY' });
    if (!this.wal) {
      useWal(this.db);
      this.wal = true;
    }
    lock.acquire();
    return this.db
      .transaction(() => {
        lock.confirm();
        return body();
      })
      .immediate();
  }

  upsertUsers(users: readonly User[]) {
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
        const groups = u.groups ?? [];
        for (let position = 0; position < groups.length; position++) {
          const g = groups[position]!;
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

  startRun(startedAt: Date, outbox: (run: Run) => readonly OutboxMessage[]): Run {
    const at = startedAt.getTime();
    return this.write(() => {
      const { id } = this.s.insertRun.get(at, this.change()()) as { id: number };
      const run: Run = { id: String(id), startedAt: new Date(at), endedAt: null };
      for (const row of outboxRows(outbox(run))) this.s.insertOutbox.run(row);
      return run;
    });
  }

  endRun(runId: string, endedAt: Date) {
    const at = endedAt.getTime();
    this.write(() => {
      if (this.s.endRun.run(at, this.change()(), runKey(runId)).changes === 1) return;
      const exists = this.s.runExists.get(runKey(runId));
      throw new StoreError(NAME, exists ? `run ${runId} has already ended` : `no run ${runId}`);
    });
  }

  runs({ from, to }: { from: Date; to: Date }): Run[] {
    return (this.s.runsOverlapping.all({ from: from.getTime(), to: to.getTime() }) as Row[]).map(
      ([id, startedAt, endedAt]) => ({
        id: String(id),
        startedAt: new Date(startedAt as number),
        endedAt: endedAt === null ? null : new Date(endedAt as number),
      }),
    );
  }

  writePoll(write: PollWrite) {
    const at = write.at.getTime();
    const run = runKey(write.runId);
    const readings = this.opts.keepSamples ? sampleBatch(write.samples) : null;
    const outbox = outboxRows(write.outbox ?? []);
    const purgeBefore =
      this.opts.retention !== null && (this.lastPurgeAt === null || at - this.lastPurgeAt >= HOUR)
        ? at - this.opts.retention
        : null;
    this.write(() => {
      if (this.s.touchRun.run({ at, run }).changes === 0) throw new StoreError(NAME, `no run ${write.runId}`);
      this.applyEffects(write);
      if (readings) this.s.insertSamples.run(readings);
      for (const row of outbox) this.s.insertOutbox.run(row);
      if (purgeBefore !== null) this.s.purgeSamples.run(purgeBefore);
    });
    if (purgeBefore !== null) this.lastPurgeAt = at;
  }

  addCounters(add: CounterAdd) {
    this.write(() => this.runCounters.add(runKey(add.runId), add));
  }

  counters(): Record<string, number> {
    return this.runCounters.read();
  }

  /**
   * Plans the effects over what they themselves say was open (core's `impliedOpen`), so nothing is
   * read first, and lets the file refuse what does not fit: a close that finds nothing open, and an
   * insert beside an open record (the open tables are keyed by person); only users whose new records
   * the write both opens and closes are looked up. Sightings, one per user per poll, become one
   * statement per instant: last-seen times only grow, and one older than an open record's start is
   * read as that start.
   */
  private applyEffects(write: PollWrite) {
    const { planned, groups } = splitSightings(write.effects);
    const implied = impliedOpen(planned);
    const plan = planWrite(planned, implied.intervals, implied.sessions, NAME);
    const unsure = opensClosed(plan, implied);
    if (unsure.intervals.length > 0 || unsure.sessions.length > 0) {
      const ids = JSON.stringify([...unsure.intervals, ...unsure.sessions]);
      for (const [userId, kind] of this.s.openFor.all({ ids }) as Row[]) {
        if ((kind === 'i' ? unsure.intervals : unsure.sessions).includes(userId as string)) raced();
      }
    }
    const changed = this.change();
    const rollups = new RollupBatch();
    let longestInterval = 0;
    let longestSession = 0;
    // Finished rows, each once: what the write closes, in the order the records were opened (so the
    // rows of one change number are in that order by row id, as changes() reads them), and then what
    // it opens and closes, whose ids are newer.
    const closedIntervals: Row[] = [];
    for (const x of plan.intervalChanges) {
      const end = x.endedAt!.getTime();
      const row = this.s.closeInterval.get(x.userId) as Row | undefined;
      if (!row) raced();
      const [id, status, start, raw] = row as [number, Status, number, string | null];
      longestInterval = Math.max(longestInterval, end - start);
      rollups.interval(x.userId, status, start, end);
      closedIntervals.push([x.userId, status, start, end, raw, changed(), id]);
    }
    const intervals = inOpeningOrder(closedIntervals);
    const closedSessions: Row[] = [];
    for (const x of plan.sessionChanges) {
      const end = x.endedAt!.getTime();
      const row = this.s.closeSession.get(x.userId) as Row | undefined;
      if (!row) raced();
      const [id, start] = row as [number, number];
      longestSession = Math.max(longestSession, end - start);
      rollups.session(x.userId, start, end);
      closedSessions.push([x.userId, start, x.lastSeenAt!.getTime(), end, x.reason, changed(), id]);
    }
    const sessions = inOpeningOrder(closedSessions);
    const openIntervals: unknown[] = [];
    let id = plan.newIntervals.length === 0 ? 0 : this.takeIds('intervals', plan.newIntervals.length);
    for (const x of plan.newIntervals) {
      const start = x.startedAt.getTime();
      const raw = x.raw === undefined ? null : JSON.stringify(x.raw);
      if (x.endedAt === null) {
        openIntervals.push(x.userId, id++, x.status, start, raw, changed());
        continue;
      }
      const end = x.endedAt.getTime();
      longestInterval = Math.max(longestInterval, end - start);
      rollups.interval(x.userId, x.status, start, end);
      intervals.push(x.userId, x.status, start, end, raw, changed(), id++);
    }
    const openSessions: unknown[] = [];
    id = plan.newSessions.length === 0 ? 0 : this.takeIds('sessions', plan.newSessions.length);
    for (const x of plan.newSessions) {
      const start = x.startedAt.getTime();
      if (x.endedAt === null) {
        openSessions.push(x.userId, id++, start, x.lastSeenAt.getTime(), changed());
        continue;
      }
      const end = x.endedAt.getTime();
      longestSession = Math.max(longestSession, end - start);
      rollups.session(x.userId, start, end);
      sessions.push(x.userId, start, x.lastSeenAt.getTime(), end, x.reason, changed(), id++);
    }
    this.s.insertIntervals(intervals);
    this.s.insertSessions(sessions);
    refusingSecondOpen(() => this.s.openIntervals(openIntervals));
    refusingSecondOpen(() => this.s.openSessions(openSessions));
    this.sightings.append(groups);
    appendRollups(this.r.append, rollups);
    if (longestInterval > 0) this.s.widenSpan.run(longestInterval, 'intervals');
    if (longestSession > 0) this.s.widenSpan.run(longestSession, 'sessions');
  }

  /** In one read transaction, so the log of sightings read is the one the records were written with. */
  openState(userIds?: readonly string[]): OpenState {
    const ids = userIds === undefined ? null : JSON.stringify(userIds);
    return this.db.transaction((): OpenState => {
      const seen = this.overlay();
      return {
        runs: (this.s.openRuns.all() as Row[]).map(([id, startedAt, lastPollAt]) => ({
          id: String(id),
          startedAt: new Date(startedAt as number),
          lastPollAt: lastPollAt === null ? null : new Date(lastPollAt as number),
        })),
        intervals: (this.s.openIntervalsNow.all({ ids }) as Row[]).map(
          ([userId, status, startedAt, lastSeenAt]) => ({
            userId: userId as string,
            status: status as Status,
            startedAt: new Date(startedAt as number),
            lastSeenAt: new Date(Math.max(lastSeenAt as number, seen.at(userId as string))),
          }),
        ),
        sessions: (this.s.openSessionsNow.all({ ids }) as Row[]).map(([userId, startedAt, lastSeenAt]) => ({
          userId: userId as string,
          startedAt: new Date(startedAt as number),
          lastSeenAt: new Date(Math.max(lastSeenAt as number, seen.presentAt(userId as string))),
        })),
      };
    })();
  }

  intervals(q: RangeQuery): Interval[] {
    return this.overlapping('intervals', q).map(intervalOf);
  }

  sessions(q: RangeQuery): Session[] {
    return this.db.transaction(() => sessionsOf(this.overlapping('sessions', q), this.overlay()))();
  }

  /**
   * Records overlapping `[from, to)`. A closed record that overlaps cannot start earlier than
   * `from` minus the longest closed record, so the start index is scanned from there; records still
   * open may start anywhere before and come from their own table. Both come ordered by start and
   * person, and are merged in that order.
   */
  private overlapping(table: 'intervals' | 'sessions', q: RangeQuery): Row[] {
    const from = q.from.getTime();
    const to = q.to.getTime();
    if (from >= to) return [];
    const longest = (this.s.span.get(table) as Row)[0] as number;
    const lowest = from - longest;
    const ids = q.userIds === undefined ? null : JSON.stringify(q.userIds);
    const t = this.s[table];
    const open = ids === null ? t.open.all(to) : t.openFor.all(to, ids);
    const closed =
      ids === null ? t.range.all({ lowest, to, from }) : t.rangeFor.all({ lowest, to, from, ids });
    return byStart(closed as Row[], open as Row[], table === 'intervals' ? 2 : 1);
  }

  /** What was opened or closed after the cursor, in one read transaction. */
  changes(after: string | null): StoreChanges {
    return this.readChanges(after);
  }

  /** Digests and open records in one read transaction, so a writer's commit lands in both or neither. */
  rollups(q: RangeQuery): RollupRead {
    return this.db.transaction(() => readRollups(this.r, q))();
  }

  samples(q: RangeQuery): PresenceSample[] {
    if (!this.opts.keepSamples) return [];
    const from = q.from.getTime();
    const to = q.to.getTime();
    const only = q.userIds === undefined ? null : new Set(q.userIds);
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

  outboxFailed({ seq, attempts, nextAttemptAt, error }: OutboxAttempt) {
    const next = nextAttemptAt === null ? null : nextAttemptAt.getTime();
    this.write(() => {
      if (this.s.outboxFailed.run(attempts, next, error, seq).changes === 0) {
        throw new StoreError(NAME, `no outbox entry ${seq}`);
      }
    });
  }

  purgeUser(userId: string) {
    this.write(() => {
      // The person's sightings in the log go into their last_seen row, which goes below.
      this.sightings.fold();
      for (const statement of this.s.purge) statement.run({ user: userId });
      this.s.dropEmptySamples.run();
    });
  }
}

function prepare(db: Database) {
  const rows = (sql: string) => db.prepare(sql).raw(true);
  const forUsers = 'user_id IN (SELECT value FROM json_each(?))';
  /** The closed records of `table` and the open ones of its own table, as the same columns. */
  const overlapping = (table: 'intervals' | 'sessions', columns: string, openColumns: string) => ({
    open: rows(
      `SELECT ${openColumns} FROM open_${table} o WHERE started_at < ? ORDER BY started_at, user_id`,
    ),
    openFor: rows(
      `SELECT ${openColumns} FROM open_${table} o WHERE started_at < ? AND ${forUsers} ORDER BY started_at, user_id`,
    ),
    range: rows(
      `SELECT ${columns} FROM ${table} WHERE started_at >= @lowest AND started_at < @to AND ended_at > @from
       ORDER BY started_at, user_id`,
    ),
    rangeFor: rows(
      `SELECT ${columns} FROM ${table} WHERE user_id IN (SELECT value FROM json_each(@ids)) AND started_at >= @lowest
       AND started_at < @to AND ended_at > @from ORDER BY started_at, user_id`,
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

    insertRun: db.prepare('INSERT INTO runs (started_at, changed) VALUES (?, ?) RETURNING id'),
    endRun: db.prepare('UPDATE runs SET ended_at = ?, changed = ? WHERE id = ? AND ended_at IS NULL'),
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

    insertIntervals: multiRowInsert(
      db,
      'INSERT INTO intervals (user_id, status, started_at, ended_at, raw, changed, opened)',
      7,
    ),
    openIntervals: multiRowInsert(
      db,
      'INSERT INTO open_intervals (user_id, id, status, started_at, raw, changed)',
      6,
    ),
    closeInterval: rows('DELETE FROM open_intervals WHERE user_id = ? RETURNING id, status, started_at, raw'),
    insertSessions: multiRowInsert(
      db,
      'INSERT INTO sessions (user_id, started_at, last_seen_at, ended_at, end_reason, changed, opened)',
      7,
    ),
    openSessions: multiRowInsert(
      db,
      'INSERT INTO open_sessions (user_id, id, started_at, last_seen_at, changed)',
      5,
    ),
    openFor: rows(
      `SELECT user_id, 'i' FROM open_intervals WHERE user_id IN (SELECT value FROM json_each(@ids))
       UNION ALL SELECT user_id, 's' FROM open_sessions WHERE user_id IN (SELECT value FROM json_each(@ids))`,
    ),
    closeSession: rows('DELETE FROM open_sessions WHERE user_id = ? RETURNING id, started_at'),
    widenSpan: db.prepare('UPDATE spans SET longest = max(longest, ?) WHERE name = ?'),
    span: rows('SELECT longest FROM spans WHERE name = ?'),

    openIntervalsNow: rows(
      `SELECT i.user_id, i.status, i.started_at, max(i.started_at, coalesce(l.interval_at, 0))
       FROM open_intervals i LEFT JOIN last_seen l ON l.user_id = i.user_id
       WHERE @ids IS NULL OR i.user_id IN (SELECT value FROM json_each(@ids)) ORDER BY i.user_id`,
    ),
    openSessionsNow: rows(
      `SELECT s.user_id, s.started_at, max(s.last_seen_at, coalesce(l.session_at, 0))
       FROM open_sessions s LEFT JOIN last_seen l ON l.user_id = s.user_id
       WHERE @ids IS NULL OR s.user_id IN (SELECT value FROM json_each(@ids)) ORDER BY s.user_id`,
    ),
    intervals: overlapping(
      'intervals',
      'user_id, status, started_at, ended_at, raw',
      'user_id, status, started_at, NULL, raw',
    ),
    sessions: overlapping(
      'sessions',
      'user_id, started_at, ended_at, coalesce(opened, id), last_seen_at, end_reason',
      `user_id, started_at, NULL, id,
         max(last_seen_at, coalesce((SELECT session_at FROM last_seen l WHERE l.user_id = o.user_id), 0)), NULL`,
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
      'DELETE FROM open_intervals WHERE user_id = @user',
      'DELETE FROM sessions WHERE user_id = @user',
      'DELETE FROM open_sessions WHERE user_id = @user',
      `UPDATE samples SET readings = (
         SELECT json_group_array(json(r.value)) FROM json_each(samples.readings) AS r WHERE r.value ->> 0 <> @user)
       WHERE EXISTS (SELECT 1 FROM json_each(samples.readings) AS r WHERE r.value ->> 0 = @user)`,
      'DELETE FROM last_seen WHERE user_id = @user',
      'DELETE FROM rollups WHERE user_id = @user',
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
  const readings = samples.map((s): Reading => {
    const t = s.observedAt.getTime();
    if (t < first) first = t;
    if (t > last) last = t;
    return [s.userId, t, s.status, s.source ?? null, s.raw ?? null];
  });
  return { first, last, readings: JSON.stringify(readings) };
}

function outboxRows(messages: readonly OutboxMessage[]): unknown[][] {
  return messages.map((m) => {
    const timestamp = m.event.timestamp.getTime();
    return [m.notifier, m.event.id, m.event.type, timestamp, JSON.stringify(m.event.data ?? {}), timestamp];
  });
}

/** Rows whose last value is the id given at opening, sorted by it, as one list of values. */
function inOpeningOrder(rows: Row[]): unknown[] {
  if (rows.length > 1) rows.sort((x, y) => (x[6] as number) - (y[6] as number));
  return rows.flat();
}

/** Inserts open records, reading a person's second open record as a write that does not fit. */
function refusingSecondOpen(insert: () => unknown): void {
  try {
    insert();
  } catch (error) {
    if ((error as { code?: unknown }).code === 'SQLITE_CONSTRAINT_PRIMARYKEY') raced();
    throw error;
  }
}

/** A write that contradicts what the file holds open: retrying it cannot succeed. */
function raced(): never {
  throw new StoreError(
    NAME,
    'writePoll refused, nothing was written: the open intervals or sessions changed while the write was planned',
    { code: 'STORE_CONFLICT' },
  );
}

/** Run ids are the rows' integer keys; any other id names no run. */
function runKey(runId: string): number {
  return typeof runId === 'string' && /^[1-9]\d{0,15}$/.test(runId) ? Number(runId) : -1;
}

/**
 * WAL lets readers in other processes read while the tracker writes. Switched on by the writer
 * only, at its first write: a connection that only reads never waits for a lock to switch modes.
 */
function useWal(db: Database) {
  if (db.pragma('journal_mode', { simple: true }) !== 'wal') db.pragma('journal_mode = WAL');
}

function ignoreBusy(body: () => unknown) {
  try {
    body();
  } catch {
    // Another connection has the file open; it stays as it is.
  }
}

function describeFile(path: string): string {
  return path === ':memory:' ? 'the in-memory database' : `database file ${path}`;
}

/** What better-sqlite3 threw, as a `StoreError` with a stable code where one fits. */
function toStoreError(error: unknown, operation: string, opts: ResolvedOptions): StoreError | undefined {
  const code = (error as { code?: string })?.code ?? '';
  const reason = error instanceof Error ? error.message : String(error);
  const file = describeFile(opts.path);
  const details = { operation, sqliteCode: code };
  if (code === 'SQLITE_BUSY' || code.startsWith('SQLITE_BUSY_')) {
    return new StoreError(
      NAME,
      `${operation}: ${file} stayed locked by another connection for longer than busyTimeout (${opts.busyTimeout} ms)`,
      { code: 'STORE_LOCKED', cause: error, details },
    );
  }
  if (code.startsWith('SQLITE_CONSTRAINT_UNIQUE')) {
    return new StoreError(NAME, `${operation} refused, nothing was written: ${reason}`, {
      code: 'STORE_CONFLICT',
      cause: error,
      details,
    });
  }
  if (opts.readOnly && (code === 'SQLITE_CANTOPEN' || code.startsWith('SQLITE_READONLY'))) {
    const why =
      code === 'SQLITE_CANTOPEN'
        ? 'it does not exist or cannot be read'
        : 'it was left in WAL mode by a writer that did not close it, and its folder is read-only, so the -shm file SQLite needs cannot be made; open it once for writing, or copy it somewhere writable';
    return new StoreError(NAME, `${operation}: cannot read ${file} read-only: ${why} (${reason})`, {
      cause: error,
      details,
    });
  }
  return new StoreError(NAME, `${operation} in ${file} failed: ${reason}`, {
    cause: error,
    ...(code ? { details } : {}),
  });
}
