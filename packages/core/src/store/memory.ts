import type { LeaseRecord } from '../coordination/index.ts';
import { StoreError } from '../errors.ts';
import type { Interval, PresenceSample, Run, Session, User } from '../model.ts';
import { ChangeLog } from './change-log.ts';
import { defineStore } from './define.ts';
import { checkFence } from './fence.ts';
import { planWrite } from './plan.ts';
import { RollupBatch, type RollupEntry, type RollupRead, rollupDay } from './rollup.ts';
import type {
  OpenState,
  OutboxEntry,
  OutboxMessage,
  PollWrite,
  PresenceStore,
  RangeQuery,
  StoreChanges,
} from './store.ts';

export interface MemoryStoreOptions {
  /** Keep raw samples so that `samples()` answers. Default: true. */
  keepSamples?: boolean;
  /** Keep rollups (a digest per person per UTC day) so that reports need not read every interval. Default: true. */
  rollups?: boolean;
  /**
   * The leases to fence writes against, such as a `memoryCoordination()` group: with it the store
   * refuses a write whose writer no longer holds its leases (`STORE_FENCED`), and trackers sharing
   * users through that group may use it.
   */
  fencing?: { readonly shards: number; leases(at: Date): readonly LeaseRecord[] };
}

interface StoredInterval extends Interval {
  lastSeenAt: Date;
}

interface StoredRun extends Run {
  lastPollAt: Date | null;
  counters: Map<string, number>;
}

type Changed = StoredInterval | Session | StoredRun;

/** Per-user history, kept in start order so range queries can binary-search. */
interface UserHistory {
  intervals: StoredInterval[];
  sessions: Session[];
  samples: PresenceSample[];
  openInterval: StoredInterval | null;
  openSession: Session | null;
  /** The newest sighting, and the newest that showed the user present, as the other stores keep them. */
  seenAt: Date | null;
  presentAt: Date | null;
  /** Rollup digests by UTC day. */
  days: Map<number, RollupEntry>;
}

/**
 * A complete store in this process's memory: the reference implementation of the store contract.
 * Nothing survives the process; use it for tests, demos and short-lived scripts.
 */
export function memoryStore(options: MemoryStoreOptions = {}): PresenceStore {
  const keepSamples = options.keepSamples ?? true;
  const keepRollups = options.rollups ?? true;
  const { fencing } = options;
  const users = new Map<string, User>();
  const runs: StoredRun[] = [];
  const histories = new Map<string, UserHistory>();
  const outbox: OutboxEntry[] = [];
  let nextSession = 1;
  let nextSeq = 1;
  /** Each record's latest opening or closing, in write order; a cursor counts every change. */
  const log = new ChangeLog<'interval' | 'session' | 'run', Changed>();

  const fail = (message: string): never => {
    throw new StoreError('memory', message);
  };
  const history = (userId: string): UserHistory => {
    let h = histories.get(userId);
    if (!h) {
      h = {
        intervals: [],
        sessions: [],
        samples: [],
        openInterval: null,
        openSession: null,
        seenAt: null,
        presentAt: null,
        days: new Map(),
      };
      histories.set(userId, h);
    }
    return h;
  };
  const selected = (userIds?: readonly string[]) =>
    userIds === undefined
      ? [...histories.entries()]
      : userIds.flatMap((id) => {
          const h = histories.get(id);
          return h ? [[id, h] as const] : [];
        });

  const apply = (write: PollWrite) => {
    if (fencing) {
      const leases = new Map(fencing.leases(write.at).map((l) => [l.shard, l]));
      checkFence('memory', write, leases, fencing.shards);
    }
    const openIntervals = new Set<string>();
    const openSessions = new Set<string>();
    for (const e of write.effects) {
      const h = histories.get(e.userId);
      if (h?.openInterval) openIntervals.add(e.userId);
      if (h?.openSession) openSessions.add(e.userId);
    }
    const plan = planWrite(write.effects, openIntervals, openSessions, 'memory');
    const rollups = new RollupBatch();
    for (const c of plan.intervalChanges) {
      const h = history(c.userId);
      const open = h.openInterval!;
      rollups.interval(c.userId, open.status, open.startedAt.getTime(), c.endedAt!.getTime());
      open.endedAt = c.endedAt;
      h.openInterval = null;
      log.add('interval', open, true);
    }
    for (const c of plan.sessionChanges) {
      const h = history(c.userId);
      rollups.session(c.userId, h.openSession!.startedAt.getTime(), c.endedAt!.getTime());
      Object.assign(h.openSession!, { endedAt: c.endedAt, lastSeenAt: c.lastSeenAt, endReason: c.reason });
      log.add('session', h.openSession!, true);
      h.openSession = null;
    }
    for (const row of plan.newIntervals) {
      const h = history(row.userId);
      const interval: StoredInterval = {
        userId: row.userId,
        status: row.status,
        startedAt: row.startedAt,
        endedAt: row.endedAt,
        lastSeenAt: row.lastSeenAt,
      };
      if (row.raw !== undefined) interval.raw = structuredClone(row.raw);
      h.intervals.push(interval);
      log.add('interval', interval, row.endedAt !== null);
      if (row.endedAt === null) h.openInterval = interval;
      else rollups.interval(row.userId, row.status, row.startedAt.getTime(), row.endedAt.getTime());
    }
    for (const row of plan.newSessions) {
      const h = history(row.userId);
      const session: Session = {
        id: String(nextSession++),
        userId: row.userId,
        startedAt: row.startedAt,
        endedAt: row.endedAt,
        lastSeenAt: row.lastSeenAt,
        endReason: row.reason,
      };
      h.sessions.push(session);
      log.add('session', session, row.endedAt !== null);
      if (row.endedAt === null) h.openSession = session;
      else rollups.session(row.userId, row.startedAt.getTime(), row.endedAt.getTime());
    }
    for (const s of plan.sightings) {
      const h = history(s.userId);
      h.seenAt = later(h.seenAt, s.at);
      h.presentAt = later(h.presentAt, s.presentAt);
    }
    if (keepRollups) {
      for (const e of rollups.entries()) {
        const days = history(e.userId).days;
        const kept = days.get(e.day);
        if (kept) {
          kept.intervals += e.intervals;
          kept.sessions += e.sessions;
        } else days.set(e.day, e);
      }
    }
    if (keepSamples) for (const s of write.samples) history(s.userId).samples.push(copySample(s));
    if (write.outbox) enqueue(write.outbox);
  };

  const enqueue = (messages: readonly OutboxMessage[]) => {
    for (const m of messages) {
      outbox.push({
        notifier: m.notifier,
        event: structuredClone(m.event),
        seq: nextSeq++,
        attempts: 0,
        nextAttemptAt: m.event.timestamp,
        lastError: null,
      });
    }
  };
  /** An open session's last sighting comes from the newest present sighting, as in the other stores. */
  const sessionView = (s: Session): Session => {
    if (s.endedAt !== null) return { ...s };
    return { ...s, lastSeenAt: later(s.lastSeenAt, histories.get(s.userId)?.presentAt ?? null)! };
  };

  return defineStore({
    name: 'memory',
    capabilities: {
      samples: keepSamples,
      fencing: fencing !== undefined,
      readOnly: false,
      rollups: keepRollups,
      changes: true,
      counters: true,
    },
    driver: {
      open() {},

      upsertUsers(list) {
        for (const u of list) users.set(u.id, structuredClone(u));
      },

      users() {
        return [...users.values()].sort((a, b) => compare(a.id, b.id)).map((u) => structuredClone(u));
      },

      startRun(startedAt, messages) {
        const run: StoredRun = {
          id: String(runs.length + 1),
          startedAt,
          endedAt: null,
          lastPollAt: null,
          counters: new Map(),
        };
        const started = { id: run.id, startedAt, endedAt: null };
        // Asked for first, so a throwing callback leaves no run behind.
        const queued = messages(started);
        runs.push(run);
        log.add('run', run, false);
        enqueue(queued);
        return started;
      },

      endRun(runId, endedAt) {
        const run = runs.find((r) => r.id === runId) ?? fail(`no run ${runId}`);
        if (run.endedAt !== null) fail(`run ${runId} has already ended`);
        run.endedAt = endedAt;
        log.add('run', run, true);
      },

      runs({ from, to }) {
        return runs
          .filter((r) => overlaps(r.startedAt, r.endedAt, from, to))
          .map((r) => ({ id: r.id, startedAt: r.startedAt, endedAt: r.endedAt }));
      },

      writePoll(write) {
        const run = runs.find((r) => r.id === write.runId) ?? fail(`no run ${write.runId}`);
        apply(write);
        if (run.lastPollAt === null || run.lastPollAt < write.at) run.lastPollAt = write.at;
      },

      openState(userIds): OpenState {
        const state: OpenState = { runs: [], intervals: [], sessions: [] };
        for (const r of runs) {
          if (r.endedAt === null)
            state.runs.push({ id: r.id, startedAt: r.startedAt, lastPollAt: r.lastPollAt });
        }
        for (const [userId, h] of selected(userIds)) {
          const i = h.openInterval;
          if (i)
            state.intervals.push({
              userId,
              status: i.status,
              startedAt: i.startedAt,
              lastSeenAt: later(i.lastSeenAt, h.seenAt)!,
            });
          const s = h.openSession;
          if (s)
            state.sessions.push({ userId, startedAt: s.startedAt, lastSeenAt: sessionView(s).lastSeenAt });
        }
        return state;
      },

      sessions(q: RangeQuery) {
        return collect(selected(q.userIds), (h) => h.sessions, q).map(sessionView);
      },

      intervals(q: RangeQuery) {
        return collect(selected(q.userIds), (h) => h.intervals, q).map(
          ({ lastSeenAt: _, ...interval }): Interval => interval,
        );
      },

      samples(q: RangeQuery) {
        const found: PresenceSample[] = [];
        for (const [, h] of selected(q.userIds)) {
          for (const s of h.samples)
            if (s.observedAt >= q.from && s.observedAt < q.to) found.push(copySample(s));
        }
        return found.sort(
          (a, b) => a.observedAt.getTime() - b.observedAt.getTime() || compare(a.userId, b.userId),
        );
      },

      addCounters({ runId, counts }) {
        const run = runs.find((r) => r.id === runId) ?? fail(`no run ${runId}`);
        for (const [name, amount] of Object.entries(counts))
          run.counters.set(name, (run.counters.get(name) ?? 0) + amount);
      },

      counters() {
        const sums: Record<string, number> = {};
        for (const r of runs) for (const [name, value] of r.counters) sums[name] = (sums[name] ?? 0) + value;
        return sums;
      },

      changes(after): StoreChanges {
        const answer: StoreChanges = { cursor: String(log.cursor), intervals: [], sessions: [], runs: [] };
        if (after === null) return answer;
        const from = Number(after);
        if (!/^\d+$/.test(after) || from > log.cursor)
          fail(`changes: after: expected a cursor of this store, got ${JSON.stringify(after)}`);
        // The log holds each record at its latest change only, in write order.
        log.after(from, (kind, record) => {
          if (kind === 'interval') {
            const { lastSeenAt: _, ...interval } = record as StoredInterval;
            answer.intervals.push(structuredClone(interval));
          } else if (kind === 'session') answer.sessions.push(sessionView(record as Session));
          else {
            const run = record as StoredRun;
            answer.runs.push({ id: run.id, startedAt: run.startedAt, endedAt: run.endedAt });
          }
        });
        return answer;
      },

      rollups({ from, to, userIds }: RangeQuery): RollupRead {
        const read: RollupRead = { days: [], openIntervals: [], openSessions: [] };
        const first = rollupDay(from.getTime());
        const last = to.getTime();
        const chosen = selected(userIds).sort((x, y) => compare(x[0], y[0]));
        for (const [userId, h] of chosen) {
          const days = [...h.days.keys()].filter((d) => d >= first && d < last).sort((x, y) => x - y);
          for (const d of days) read.days.push({ ...h.days.get(d)!, userId });
          const i = h.openInterval;
          if (i && i.startedAt < to)
            read.openIntervals.push({ userId, status: i.status, startedAt: i.startedAt });
          const s = h.openSession;
          if (s && s.startedAt < to) read.openSessions.push({ userId, startedAt: s.startedAt });
        }
        return read;
      },

      outboxEnqueue: enqueue,

      outboxPending(notifier, limit) {
        return outbox
          .filter((e) => e.notifier === notifier && e.nextAttemptAt !== null)
          .slice(0, limit)
          .map((e) => ({ ...e, event: structuredClone(e.event) }));
      },

      outboxDelivered(seqs) {
        const done = new Set(seqs);
        for (let i = outbox.length - 1; i >= 0; i--) if (done.has(outbox[i]!.seq)) outbox.splice(i, 1);
      },

      outboxFailed(attempt) {
        const entry = outbox.find((e) => e.seq === attempt.seq) ?? fail(`no outbox entry ${attempt.seq}`);
        entry.attempts = attempt.attempts;
        entry.nextAttemptAt = attempt.nextAttemptAt;
        entry.lastError = attempt.error;
      },

      purgeUser(userId) {
        log.forget(
          (kind, record) => kind !== 'run' && (record as StoredInterval | Session).userId === userId,
        );
        users.delete(userId);
        histories.delete(userId);
      },

      close() {},
    },
  });
}

function later(a: Date | null, b: Date | null): Date | null {
  if (a === null) return b;
  if (b === null) return a;
  return a.getTime() >= b.getTime() ? a : b;
}

function collect<T extends { userId: string; startedAt: Date; endedAt: Date | null }>(
  entries: (readonly [string, UserHistory])[],
  pick: (h: UserHistory) => T[],
  { from, to }: RangeQuery,
): T[] {
  const found: T[] = [];
  for (const [, h] of entries) {
    const list = pick(h);
    // A user's records never overlap, so their ends are in start order too.
    let i = firstEndingAfter(list, from);
    for (; i < list.length && list[i]!.startedAt < to; i++) found.push(list[i]!);
  }
  return found.sort((a, b) => a.startedAt.getTime() - b.startedAt.getTime() || compare(a.userId, b.userId));
}

function firstEndingAfter(list: { endedAt: Date | null }[], from: Date): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    const end = list[mid]!.endedAt;
    if (end !== null && end <= from) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function overlaps(start: Date, end: Date | null, from: Date, to: Date): boolean {
  return start < to && (end === null || end > from);
}

function copySample(s: PresenceSample): PresenceSample {
  const copy: PresenceSample = { userId: s.userId, status: s.status, observedAt: s.observedAt };
  if (s.raw !== undefined) copy.raw = structuredClone(s.raw);
  if (s.source !== undefined) copy.source = s.source;
  return copy;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
