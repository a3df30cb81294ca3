import { ConfigError, StoreError } from '../errors.ts';
import type { Interval, PresenceSample, Run, Session, User } from '../model.ts';
import {
  checkAttempt,
  checkCounterAdd,
  checkMessages,
  checkPollWrite,
  checkRange,
  checkUserIds,
  checkUsers,
  InputCheck,
} from './check.ts';
import type { RollupRead } from './rollup.ts';
import type {
  CounterAdd,
  OpenState,
  OutboxAttempt,
  OutboxEntry,
  OutboxMessage,
  PollWrite,
  PresenceStore,
  RangeQuery,
  StoreCapabilities,
  StoreChanges,
} from './store.ts';

/**
 * The part of a store that differs from one database to another: its queries. `defineStore` hands
 * it only inputs that passed the common checks, never after `close()`, and never a write when the
 * store is read-only. Plan a poll's effects with `planWrite` and fence it with `checkFence`, so every
 * store refuses the same writes the same way.
 */
export interface StoreDriver {
  /** Opens, creates or migrates; called once before the first other call, and by `init()`. */
  open(): Promise<void> | void;
  upsertUsers(users: readonly User[]): Promise<void> | void;
  users(): Promise<User[]> | User[];
  /** Inserts the run and, in the same transaction, the messages `outbox(run)` returns. */
  startRun(startedAt: Date, outbox: (run: Run) => readonly OutboxMessage[]): Promise<Run> | Run;
  /** Ends a run; a missing or already ended run is refused. */
  endRun(runId: string, endedAt: Date): Promise<void> | void;
  runs(query: { from: Date; to: Date }): Promise<Run[]> | Run[];
  writePoll(write: PollWrite): Promise<void> | void;
  openState(userIds: readonly string[] | undefined): Promise<OpenState> | OpenState;
  sessions(query: RangeQuery): Promise<Session[]> | Session[];
  intervals(query: RangeQuery): Promise<Interval[]> | Interval[];
  samples(query: RangeQuery): Promise<PresenceSample[]> | PresenceSample[];
  /** Only with `capabilities.changes`: what was opened or closed after the cursor (`null`: none, only the cursor). */
  changes?(after: string | null): Promise<StoreChanges> | StoreChanges;
  /** Only with `capabilities.rollups`: digests and open records, from one snapshot. */
  rollups?(query: RangeQuery): Promise<RollupRead> | RollupRead;
  /** Only with `capabilities.counters`: adds the amounts (all whole, none negative) to the run's counters. */
  addCounters?(add: CounterAdd): Promise<void> | void;
  /** Only with `capabilities.counters`: every counter summed over all runs. */
  counters?(): Promise<Record<string, number>> | Record<string, number>;
  outboxEnqueue(messages: readonly OutboxMessage[]): Promise<void> | void;
  outboxPending(notifier: string, limit: number): Promise<OutboxEntry[]> | OutboxEntry[];
  outboxDelivered(seqs: readonly number[]): Promise<void> | void;
  outboxFailed(attempt: OutboxAttempt): Promise<void> | void;
  purgeUser(userId: string): Promise<void> | void;
  close(): Promise<void> | void;
}

export interface StoreDefinition {
  /** A short name for logs and errors, e.g. the database's. */
  name: string;
  capabilities: StoreCapabilities;
  driver: StoreDriver;
  /**
   * Turns what the driver threw into a `StoreError` with a stable code (a busy file as
   * `STORE_LOCKED`, a broken constraint as `STORE_CONFLICT`), or `undefined` for the common wrapping:
   * `STORE_FAILED`, naming the operation. `StoreError`s and `ConfigError`s pass unchanged.
   */
  toStoreError?(error: unknown, operation: string): StoreError | undefined;
}

/** Runs one store call with the shared checks around it; handed to `extend` for a store's own calls. */
export type StoreCall = <T>(
  operation: string,
  kind: 'read' | 'write',
  check: (c: InputCheck) => void,
  body: () => Promise<T> | T,
) => Promise<T>;

/**
 * A complete `PresenceStore` around a driver: the shared work of every store (input checks with
 * named fields, refusing calls after `close()` and writes when read-only, opening once, and
 * wrapping driver errors into `StoreError`s with stable codes), so a store package holds only its SQL.
 */
export function defineStore<Extra extends object = Record<never, never>>(
  definition: StoreDefinition,
  extend?: (call: StoreCall) => Extra,
): PresenceStore & Extra {
  const { name, driver, capabilities } = definition;
  let closed = false;
  let closing: Promise<void> | null = null;
  let opened: Promise<void> | null = null;

  const wrap = (error: unknown, operation: string): unknown => {
    if (StoreError.isInstance(error) || ConfigError.isInstance(error)) return error;
    const mapped = definition.toStoreError?.(error, operation);
    if (mapped) return mapped;
    const reason = error instanceof Error ? error.message : String(error);
    return new StoreError(name, `${operation} failed: ${reason}`, { cause: error, details: { operation } });
  };
  const open = (): Promise<void> => {
    opened ??= Promise.resolve()
      .then(() => driver.open())
      .catch((error: unknown) => {
        opened = null;
        throw wrap(error, 'init');
      });
    return opened;
  };
  /** Runs one call: checks first (so a bad call fails the same on an open or closed store), then the driver. */
  const call: StoreCall = async (operation, kind, check, body) => {
    check(new InputCheck(name, operation));
    if (closed) throw new StoreError(name, 'the store is closed', { code: 'STORE_CLOSED' });
    if (capabilities.readOnly && kind === 'write') {
      throw new StoreError(name, `${operation} refused: the store was opened read-only`, {
        code: 'STORE_READ_ONLY',
        details: { operation },
      });
    }
    await open();
    try {
      return await body();
    } catch (error) {
      throw wrap(error, operation);
    }
  };
  const none = () => {};
  if (capabilities.rollups && typeof driver.rollups !== 'function') {
    throw new TypeError(`store ${name} declares rollups but its driver has no rollups()`);
  }
  const readRollups = driver.rollups?.bind(driver);
  if (capabilities.changes && typeof driver.changes !== 'function') {
    throw new TypeError(`store ${name} declares changes but its driver has no changes()`);
  }
  const readChanges = driver.changes?.bind(driver);
  if (
    capabilities.counters &&
    (typeof driver.addCounters !== 'function' || typeof driver.counters !== 'function')
  ) {
    throw new TypeError(`store ${name} declares counters but its driver lacks addCounters() or counters()`);
  }
  const addCounters = driver.addCounters?.bind(driver);
  const readCounters = driver.counters?.bind(driver);

  const store: PresenceStore = {
    name,
    capabilities,
    init: () => call('init', 'read', none, none),
    upsertUsers: (users) =>
      call(
        'upsertUsers',
        'write',
        (c: InputCheck) => checkUsers(c, users),
        () => driver.upsertUsers(users),
      ),
    users: () => call('users', 'read', none, () => driver.users()),
    startRun: (startedAt, options = {}) =>
      call(
        'startRun',
        'write',
        (c: InputCheck) => {
          c.date(startedAt, 'startedAt');
          if (options.outbox !== undefined && typeof options.outbox !== 'function')
            c.fail('outbox', 'a function from the run to its outbox messages');
        },
        () =>
          driver.startRun(startedAt, (run) => {
            const messages = options.outbox?.(run) ?? [];
            checkMessages(new InputCheck(name, 'startRun'), messages);
            return messages;
          }),
      ),
    endRun: (runId, endedAt) =>
      call(
        'endRun',
        'write',
        (c: InputCheck) => {
          c.string(runId, 'runId', 'the id startRun returned');
          c.date(endedAt, 'endedAt');
        },
        () => driver.endRun(runId, endedAt),
      ),
    runs: (query) =>
      call(
        'runs',
        'read',
        (c: InputCheck) => {
          c.object(query, 'query', '{ from, to }');
          c.date(query.from, 'from');
          c.date(query.to, 'to');
        },
        () => driver.runs(query),
      ),
    writePoll: (write) =>
      call(
        'writePoll',
        'write',
        (c: InputCheck) => checkPollWrite(c, write),
        () => driver.writePoll(write),
      ),
    openState: (query = {}) =>
      call(
        'openState',
        'read',
        (c: InputCheck) => {
          if (query.userIds !== undefined) checkUserIds(c, query.userIds);
        },
        () => driver.openState(query.userIds),
      ),
    sessions: (query) =>
      call(
        'sessions',
        'read',
        (c: InputCheck) => checkRange(c, query),
        () => driver.sessions(query),
      ),
    intervals: (query) =>
      call(
        'intervals',
        'read',
        (c: InputCheck) => checkRange(c, query),
        () => driver.intervals(query),
      ),
    samples: (query) =>
      call(
        'samples',
        'read',
        (c: InputCheck) => checkRange(c, query),
        () => (capabilities.samples ? driver.samples(query) : []),
      ),
    ...(capabilities.rollups && readRollups
      ? {
          rollups: (query: RangeQuery) =>
            call(
              'rollups',
              'read',
              (c: InputCheck) => checkRange(c, query),
              () => readRollups(query),
            ),
        }
      : {}),
    ...(capabilities.changes && readChanges
      ? {
          changes: (query: { after: string | null }) =>
            call(
              'changes',
              'read',
              (c: InputCheck) => {
                c.object(query, 'query', '{ after }');
                if (query.after !== null && typeof query.after !== 'string') {
                  c.fail('after', 'a cursor from an earlier changes() answer, or null', query.after);
                }
              },
              () => readChanges(query.after),
            ),
        }
      : {}),
    ...(capabilities.counters && addCounters && readCounters
      ? {
          addCounters: (add: CounterAdd) =>
            call(
              'addCounters',
              'write',
              (c: InputCheck) => checkCounterAdd(c, add),
              () => (Object.keys(add.counts).length === 0 ? undefined : addCounters(add)),
            ),
          counters: () => call('counters', 'read', none, () => readCounters()),
        }
      : {}),
    outboxEnqueue: (messages) =>
      call(
        'outboxEnqueue',
        'write',
        (c: InputCheck) => checkMessages(c, messages, 'messages'),
        () => (messages.length === 0 ? undefined : driver.outboxEnqueue(messages)),
      ),
    outboxPending: (query) =>
      call(
        'outboxPending',
        'read',
        (c: InputCheck) => {
          c.object(query, 'query', '{ notifier, limit? }');
          c.string(query.notifier, 'notifier', 'the notifier name');
          if (query.limit !== undefined) c.wholeNumber(query.limit, 'limit');
        },
        () => driver.outboxPending(query.notifier, query.limit ?? 100),
      ),
    outboxDelivered: (seqs) =>
      call(
        'outboxDelivered',
        'write',
        (c: InputCheck) => {
          c.list(seqs, 'seqs', 'an array of outbox sequence numbers');
          for (const [i, seq] of seqs.entries()) c.wholeNumber(seq, `seqs[${i}]`, 1);
        },
        () => (seqs.length === 0 ? undefined : driver.outboxDelivered(seqs)),
      ),
    outboxFailed: (attempt) =>
      call(
        'outboxFailed',
        'write',
        (c: InputCheck) => checkAttempt(c, attempt),
        () => driver.outboxFailed(attempt),
      ),
    purgeUser: (userId) =>
      call(
        'purgeUser',
        'write',
        (c: InputCheck) => c.string(userId, 'userId', 'a user id'),
        () => driver.purgeUser(userId),
      ),
    close() {
      closed = true;
      closing ??= Promise.resolve()
        .then(() => driver.close())
        .catch(() => {});
      return closing;
    },
  };
  return Object.assign(store, extend?.(call));
}
