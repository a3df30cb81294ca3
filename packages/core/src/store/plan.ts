import { StoreError } from '../errors.ts';
import type { Effect } from '../machine/index.ts';
import type { RawPresence, SessionEndReason, Status } from '../model.ts';

/** An interval or session that was open before the write and that the write closes. */
export interface OpenRowChange {
  userId: string;
  /** Set when the write closes the row. */
  endedAt: Date | null;
  /** For sessions: the last sighting the close names. */
  lastSeenAt: Date | null;
}

/** The newest sightings of one user in the write: any status, and present statuses only. */
export interface Sighting {
  userId: string;
  at: Date;
  presentAt: Date | null;
}

export interface SessionChange extends OpenRowChange {
  reason: SessionEndReason | null;
}

export interface NewInterval {
  userId: string;
  status: Status;
  startedAt: Date;
  endedAt: Date | null;
  lastSeenAt: Date;
  raw: RawPresence | undefined;
}

export interface NewSession {
  userId: string;
  startedAt: Date;
  endedAt: Date | null;
  lastSeenAt: Date;
  reason: SessionEndReason | null;
}

/** A poll's effects folded into the rows they change: few batched statements write them. */
export interface WritePlan {
  intervalChanges: OpenRowChange[];
  sessionChanges: SessionChange[];
  newIntervals: NewInterval[];
  newSessions: NewSession[];
  /** `seen` effects, newest per user; rows that were open before the write take them from here. */
  sightings: Sighting[];
}

type Current<Existing, Fresh> = { existing: Existing } | { fresh: Fresh } | null;

/** The users that had an open interval and an open session before a write, as far as the write says. */
export interface ImpliedOpen {
  intervals: Set<string>;
  sessions: Set<string>;
}

/**
 * What the effects themselves say was open before the write: a user had an open interval (session)
 * exactly when the first interval (session) effect naming them is a close. A store may plan with
 * this instead of reading its open records first, when its database refuses what does not fit: a
 * close that finds nothing open (`UPDATE ... RETURNING` no row) and a second open record (a unique
 * index on the open records), and when it checks the users whose new records the write both opens
 * and closes (`opensClosed`), which no such index sees. Either refusal is a `STORE_CONFLICT`.
 */
export function impliedOpen(effects: readonly Effect[]): ImpliedOpen {
  const intervals = new Set<string>();
  const sessions = new Set<string>();
  const decidedIntervals = new Set<string>();
  const decidedSessions = new Set<string>();
  for (const e of effects) {
    switch (e.type) {
      case 'interval.open':
      case 'interval.close':
        if (first(decidedIntervals, e.userId) && e.type === 'interval.close') intervals.add(e.userId);
        break;
      case 'session.open':
      case 'session.close':
        if (first(decidedSessions, e.userId) && e.type === 'session.close') sessions.add(e.userId);
        break;
      default:
        break;
    }
  }
  return { intervals, sessions };
}

/** Adds `userId` to `seen` and answers whether it was not there yet: one search of the set, not two. */
function first(seen: Set<string>, userId: string): boolean {
  const size = seen.size;
  seen.add(userId);
  return seen.size > size;
}

/**
 * The users a plan made from `impliedOpen` inserts records for that are all closed, and that had no
 * open one by the effects' account: the database must be asked whether one is open, since inserting
 * closed records breaks no unique index on the open ones.
 */
export function opensClosed(
  plan: WritePlan,
  implied: ImpliedOpen,
): { intervals: string[]; sessions: string[] } {
  // Only a closed row can name such a user (one with a row left open has an open record), so a
  // write that closes none of its new rows, as most polls, is answered without a set.
  const pick = (rows: readonly { userId: string; endedAt: Date | null }[], open: ReadonlySet<string>) => {
    const closed = rows.filter((r) => r.endedAt !== null);
    if (closed.length === 0) return [];
    const stillOpen = new Set<string>();
    for (const r of rows) if (r.endedAt === null) stillOpen.add(r.userId);
    const users = new Set<string>();
    for (const r of closed) if (!open.has(r.userId) && !stillOpen.has(r.userId)) users.add(r.userId);
    return [...users];
  };
  return {
    intervals: pick(plan.newIntervals, implied.intervals),
    sessions: pick(plan.newSessions, implied.sessions),
  };
}

/**
 * Replays the effects, in order, over what the store holds open for the users they name, and folds
 * them into row changes: the one model of conflicts every store uses. Any effect that does not fit
 * the open state (closing what is not open, opening what is) throws a `StoreError` coded
 * `STORE_CONFLICT` before anything is written, so a bad write is refused whole.
 */
export function planWrite(
  effects: readonly Effect[],
  openIntervals: ReadonlySet<string>,
  openSessions: ReadonlySet<string>,
  store = 'store',
): WritePlan {
  const plan: WritePlan = {
    intervalChanges: [],
    sessionChanges: [],
    newIntervals: [],
    newSessions: [],
    sightings: [],
  };
  const sightings = new Map<string, Sighting>();
  const intervals = new Map<string, Current<OpenRowChange, NewInterval>>();
  const sessions = new Map<string, Current<SessionChange, NewSession>>();
  const refuse = (message: string, code: 'STORE_INVALID' | 'STORE_CONFLICT' = 'STORE_CONFLICT'): never => {
    throw new StoreError(store, `writePoll refused, nothing was written: ${message}`, { code });
  };

  // A user's entry is `null` once known to have nothing open, `undefined` before the write names them.
  const interval = (userId: string) => {
    const known = intervals.get(userId);
    if (known !== undefined) return known;
    const current: Current<OpenRowChange, NewInterval> = openIntervals.has(userId)
      ? { existing: { userId, endedAt: null, lastSeenAt: null } }
      : null;
    if (current) plan.intervalChanges.push(current.existing);
    intervals.set(userId, current);
    return current;
  };
  const session = (userId: string) => {
    const known = sessions.get(userId);
    if (known !== undefined) return known;
    const current: Current<SessionChange, NewSession> = openSessions.has(userId)
      ? { existing: { userId, endedAt: null, lastSeenAt: null, reason: null } }
      : null;
    if (current) plan.sessionChanges.push(current.existing);
    sessions.set(userId, current);
    return current;
  };

  for (const e of effects) {
    switch (e.type) {
      case 'interval.open': {
        // What interval() would answer, without keeping an answer the next line replaces.
        const known = intervals.get(e.userId);
        if (known === undefined ? openIntervals.has(e.userId) : known !== null) {
          refuse(`user ${e.userId} already has an open interval`);
        }
        const row: NewInterval = {
          userId: e.userId,
          status: e.status,
          startedAt: e.startedAt,
          endedAt: null,
          lastSeenAt: e.startedAt,
          raw: e.raw,
        };
        plan.newIntervals.push(row);
        intervals.set(e.userId, { fresh: row });
        break;
      }
      case 'interval.close': {
        const current = interval(e.userId) ?? refuse(`user ${e.userId} has no open interval to close`);
        if ('existing' in current) current.existing.endedAt = e.endedAt;
        else current.fresh.endedAt = e.endedAt;
        intervals.set(e.userId, null);
        break;
      }
      case 'session.open': {
        const known = sessions.get(e.userId);
        if (known === undefined ? openSessions.has(e.userId) : known !== null) {
          refuse(`user ${e.userId} already has an open session`);
        }
        const row: NewSession = {
          userId: e.userId,
          startedAt: e.startedAt,
          endedAt: null,
          lastSeenAt: e.startedAt,
          reason: null,
        };
        plan.newSessions.push(row);
        sessions.set(e.userId, { fresh: row });
        break;
      }
      case 'session.close': {
        const current = session(e.userId) ?? refuse(`user ${e.userId} has no open session to close`);
        const row = 'existing' in current ? current.existing : current.fresh;
        row.endedAt = e.endedAt;
        row.lastSeenAt = e.lastSeenAt;
        row.reason = e.reason;
        sessions.set(e.userId, null);
        break;
      }
      case 'seen': {
        const i = intervals.get(e.userId);
        if (i && 'fresh' in i) i.fresh.lastSeenAt = e.at;
        const s = e.present ? sessions.get(e.userId) : undefined;
        if (s && 'fresh' in s) s.fresh.lastSeenAt = e.at;
        const sighting = sightings.get(e.userId);
        if (sighting === undefined) {
          sightings.set(e.userId, { userId: e.userId, at: e.at, presentAt: e.present ? e.at : null });
        } else {
          sighting.at = e.at;
          if (e.present) sighting.presentAt = e.at;
        }
        break;
      }
      case 'unavailable.long':
        break;
      default: {
        const unknown: never = e;
        refuse(`unknown effect ${(unknown as { type: string }).type}`, 'STORE_INVALID');
      }
    }
  }
  plan.intervalChanges = plan.intervalChanges.filter((c) => c.endedAt !== null);
  plan.sessionChanges = plan.sessionChanges.filter((c) => c.endedAt !== null);
  plan.sightings = [...sightings.values()];
  return plan;
}
