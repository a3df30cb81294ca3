import { StoreError } from '../errors.ts';
import type { Effect } from '../machine/index.ts';
import type { Interval, PresenceSample, Run, Session, User } from '../model.ts';
import type {
  OpenState,
  OutboxAttempt,
  OutboxEntry,
  OutboxMessage,
  PollWrite,
  PresenceStore,
  RangeQuery,
} from './index.ts';

export interface MemoryStoreOptions {
  /** Keep raw samples so that `samples()` answers. Default: true. */
  keepSamples?: boolean;
}

interface StoredInterval extends Interval {
  lastSeenAt: Date;
}

interface StoredRun extends Run {
  lastPollAt: Date | null;
}

/** Per-user history, kept in start order so range queries can binary-search. */
interface UserHistory {
  intervals: StoredInterval[];
  sessions: Session[];
  samples: PresenceSample[];
  openInterval: StoredInterval | null;
  openSession: Session | null;
}

/**
 * A complete store in this process's memory: the reference implementation of the store contract.
 * Nothing survives the process; use it for tests, demos and short-lived scripts.
 */
export function memoryStore(options: MemoryStoreOptions = {}): PresenceStore {
  const keepSamples = options.keepSamples ?? true;
  const users = new Map<string, User>();
  const runs: StoredRun[] = [];
  const histories = new Map<string, UserHistory>();
  const outbox: OutboxEntry[] = [];
  let nextSession = 1;
  let nextSeq = 1;
  let closed = false;

  const fail = (message: string, code: 'STORE_FAILED' | 'STORE_CONFLICT' = 'STORE_FAILED'): never => {
    throw new StoreError('memory', message, { code });
  };
  const ensureOpen = () => {
    if (closed) throw new StoreError('memory', 'the store is closed', { code: 'STORE_CLOSED' });
  };
  const history = (userId: string): UserHistory => {
    let h = histories.get(userId);
    if (!h) {
      h = { intervals: [], sessions: [], samples: [], openInterval: null, openSession: null };
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

  /** Checks every effect against the open state first, so a bad write changes nothing. */
  const validate = (effects: readonly Effect[]) => {
    const openInterval = new Map<string, boolean>();
    const openSession = new Map<string, boolean>();
    const isOpen = (map: Map<string, boolean>, userId: string, current: unknown) =>
      map.get(userId) ?? current !== null;
    for (const e of effects) {
      const h = histories.get(e.userId);
      const interval = isOpen(openInterval, e.userId, h?.openInterval ?? null);
      const session = isOpen(openSession, e.userId, h?.openSession ?? null);
      switch (e.type) {
        case 'interval.open':
          if (interval) fail(`user ${e.userId} already has an open interval`, 'STORE_CONFLICT');
          openInterval.set(e.userId, true);
          break;
        case 'interval.close':
          if (!interval) fail(`user ${e.userId} has no open interval to close`, 'STORE_CONFLICT');
          openInterval.set(e.userId, false);
          break;
        case 'session.open':
          if (session) fail(`user ${e.userId} already has an open session`, 'STORE_CONFLICT');
          openSession.set(e.userId, true);
          break;
        case 'session.close':
          if (!session) fail(`user ${e.userId} has no open session to close`, 'STORE_CONFLICT');
          openSession.set(e.userId, false);
          break;
        case 'seen':
        case 'unavailable.long':
          break;
      }
    }
  };

  const apply = (e: Effect) => {
    const h = history(e.userId);
    switch (e.type) {
      case 'interval.open': {
        const interval: StoredInterval = {
          userId: e.userId,
          status: e.status,
          startedAt: e.startedAt,
          endedAt: null,
          lastSeenAt: e.startedAt,
        };
        if (e.raw !== undefined) interval.raw = e.raw;
        h.intervals.push(interval);
        h.openInterval = interval;
        break;
      }
      case 'interval.close':
        h.openInterval!.endedAt = e.endedAt;
        h.openInterval = null;
        break;
      case 'session.open': {
        const session: Session = {
          id: String(nextSession++),
          userId: e.userId,
          startedAt: e.startedAt,
          endedAt: null,
          lastSeenAt: e.startedAt,
          endReason: null,
        };
        h.sessions.push(session);
        h.openSession = session;
        break;
      }
      case 'session.close':
        Object.assign(h.openSession!, { endedAt: e.endedAt, lastSeenAt: e.lastSeenAt, endReason: e.reason });
        h.openSession = null;
        break;
      case 'seen':
        if (h.openInterval) h.openInterval.lastSeenAt = e.at;
        if (e.present && h.openSession) h.openSession.lastSeenAt = e.at;
        break;
      case 'unavailable.long':
        break;
    }
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

  return {
    name: 'memory',
    capabilities: { samples: keepSamples },

    async init() {
      ensureOpen();
    },

    async upsertUsers(list) {
      ensureOpen();
      for (const u of list) users.set(u.id, structuredClone(u));
    },

    async users() {
      ensureOpen();
      return [...users.values()].sort((a, b) => compare(a.id, b.id)).map((u) => structuredClone(u));
    },

    async startRun(startedAt) {
      ensureOpen();
      const run: StoredRun = { id: String(runs.length + 1), startedAt, endedAt: null, lastPollAt: null };
      runs.push(run);
      return { id: run.id, startedAt, endedAt: null };
    },

    async endRun(runId, endedAt) {
      ensureOpen();
      const run = runs.find((r) => r.id === runId) ?? fail(`no run ${runId}`);
      if (run.endedAt !== null) fail(`run ${runId} has already ended`);
      run.endedAt = endedAt;
    },

    async runs({ from, to }) {
      ensureOpen();
      return runs
        .filter((r) => overlaps(r.startedAt, r.endedAt, from, to))
        .map((r) => ({ id: r.id, startedAt: r.startedAt, endedAt: r.endedAt }));
    },

    async writePoll(write: PollWrite) {
      ensureOpen();
      const run = runs.find((r) => r.id === write.runId) ?? fail(`no run ${write.runId}`);
      validate(write.effects);
      for (const e of write.effects) apply(e);
      if (keepSamples) for (const s of write.samples) history(s.userId).samples.push(copySample(s));
      if (write.outbox) enqueue(write.outbox);
      if (run.lastPollAt === null || run.lastPollAt < write.at) run.lastPollAt = write.at;
    },

    async openState(query = {}): Promise<OpenState> {
      ensureOpen();
      const state: OpenState = { runs: [], intervals: [], sessions: [] };
      for (const r of runs) {
        if (r.endedAt === null)
          state.runs.push({ id: r.id, startedAt: r.startedAt, lastPollAt: r.lastPollAt });
      }
      for (const [userId, h] of selected(query.userIds)) {
        const i = h.openInterval;
        if (i)
          state.intervals.push({
            userId,
            status: i.status,
            startedAt: i.startedAt,
            lastSeenAt: i.lastSeenAt,
          });
        const s = h.openSession;
        if (s) state.sessions.push({ userId, startedAt: s.startedAt, lastSeenAt: s.lastSeenAt });
      }
      return state;
    },

    async sessions(q: RangeQuery) {
      ensureOpen();
      return collect(selected(q.userIds), (h) => h.sessions, q).map((s) => ({ ...s }));
    },

    async intervals(q: RangeQuery) {
      ensureOpen();
      return collect(selected(q.userIds), (h) => h.intervals, q).map(
        ({ lastSeenAt: _, ...interval }): Interval => interval,
      );
    },

    async samples(q: RangeQuery) {
      ensureOpen();
      const found: PresenceSample[] = [];
      for (const [, h] of selected(q.userIds)) {
        for (const s of h.samples)
          if (s.observedAt >= q.from && s.observedAt < q.to) found.push(copySample(s));
      }
      return found.sort(
        (a, b) => a.observedAt.getTime() - b.observedAt.getTime() || compare(a.userId, b.userId),
      );
    },

    async outboxEnqueue(messages) {
      ensureOpen();
      enqueue(messages);
    },

    async outboxPending({ notifier, limit = 100 }) {
      ensureOpen();
      return outbox
        .filter((e) => e.notifier === notifier && e.nextAttemptAt !== null)
        .slice(0, limit)
        .map((e) => ({ ...e, event: structuredClone(e.event) }));
    },

    async outboxDelivered(seqs) {
      ensureOpen();
      const done = new Set(seqs);
      for (let i = outbox.length - 1; i >= 0; i--) if (done.has(outbox[i]!.seq)) outbox.splice(i, 1);
    },

    async outboxFailed(attempt: OutboxAttempt) {
      ensureOpen();
      const entry = outbox.find((e) => e.seq === attempt.seq) ?? fail(`no outbox entry ${attempt.seq}`);
      entry.attempts = attempt.attempts;
      entry.nextAttemptAt = attempt.nextAttemptAt;
      entry.lastError = attempt.error;
    },

    async purgeUser(userId) {
      ensureOpen();
      users.delete(userId);
      histories.delete(userId);
    },

    async close() {
      closed = true;
    },
  };
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
