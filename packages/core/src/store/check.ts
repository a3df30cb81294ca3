import { StoreError } from '../errors.ts';
import type { Effect } from '../machine/index.ts';
import { isStatus, type SessionEndReason, type User } from '../model.ts';
import type { CounterAdd, OutboxAttempt, OutboxMessage, PollWrite, RangeQuery } from './store.ts';

/**
 * The checks every store runs on what it is handed, before anything reaches a database: each
 * problem is a `StoreError` coded `STORE_INVALID` that names the field and what was expected, so a
 * store never writes half of a malformed call.
 */
export class InputCheck {
  readonly store: string;
  readonly operation: string;
  /** The list and index that field names are relative to, set by `item`; `null`: none. */
  private itemList: string | null = null;
  private itemIndex = 0;

  constructor(store: string, operation: string) {
    this.store = store;
    this.operation = operation;
  }

  /**
   * Names the fields checked from now on relative to `list[index]` (`''` is the item itself,
   * `'.userId'` its field), until `item(null)`. A write of 10,000 samples and effects checks every
   * one, and a name is only needed for the field that fails: the list's name and the index are kept
   * as they are, and joined with the field's only then.
   */
  item(list: string | null, index = 0): void {
    this.itemList = list;
    this.itemIndex = index;
  }

  fail(field: string, expected: string, ...value: unknown[]): never {
    const name = this.itemList === null ? field : `${this.itemList}[${this.itemIndex}]${field}`;
    const got = value.length > 0 ? `, got ${describe(value[0])}` : '';
    throw new StoreError(this.store, `${this.operation}: ${name}: expected ${expected}${got}`, {
      code: 'STORE_INVALID',
      details: { operation: this.operation, field: name },
    });
  }

  date(value: unknown, field: string): asserts value is Date {
    if (!(value instanceof Date) || Number.isNaN(value.getTime())) this.fail(field, 'a valid Date', value);
  }

  string(value: unknown, field: string, expected = 'a string'): asserts value is string {
    if (typeof value !== 'string') this.fail(field, expected, value);
  }

  id(value: unknown, field: string, expected = 'a non-empty user id'): asserts value is string {
    if (typeof value !== 'string' || value === '') this.fail(field, expected, value);
  }

  list(value: unknown, field: string, expected: string): asserts value is readonly unknown[] {
    if (!Array.isArray(value)) this.fail(field, expected, value);
  }

  object(value: unknown, field: string, expected: string): asserts value is Record<string, unknown> {
    if (typeof value !== 'object' || value === null || Array.isArray(value))
      this.fail(field, expected, value);
  }

  wholeNumber(value: unknown, field: string, min = 0): asserts value is number {
    if (!Number.isSafeInteger(value) || (value as number) < min)
      this.fail(field, `a whole number, at least ${min}`, value);
  }
}

const SEVERITIES: readonly unknown[] = [0, 1, 2, 3];
const END_REASONS: readonly SessionEndReason[] = ['offline', 'window', 'stale', 'stopped', 'recovered'];

export function checkUsers(check: InputCheck, users: unknown): asserts users is readonly User[] {
  check.list(users, 'users', 'an array of users');
  users.forEach((u, i) => {
    const at = `users[${i}]`;
    check.object(u, at, 'a user object');
    check.id(u.id, `${at}.id`);
    check.string(u.key, `${at}.key`, 'the configured key as a string');
    if (!SEVERITIES.includes(u.severity)) check.fail(`${at}.severity`, '0, 1, 2 or 3', u.severity);
    for (const field of ['displayName', 'email'] as const) {
      if (u[field] !== undefined) check.string(u[field], `${at}.${field}`);
    }
    if (u.groups === undefined) return;
    check.list(u.groups, `${at}.groups`, 'an array of groups');
    u.groups.forEach((g, j) => {
      check.object(g, `${at}.groups[${j}]`, '{ kind: string, id: string, name?: string }');
      check.string(g.kind, `${at}.groups[${j}].kind`);
      check.string(g.id, `${at}.groups[${j}].id`);
      if (g.name !== undefined) check.string(g.name, `${at}.groups[${j}].name`);
    });
  });
}

export function checkRange(check: InputCheck, query: unknown): asserts query is RangeQuery {
  check.object(query, 'query', '{ from, to, userIds? }');
  check.date(query.from, 'from');
  check.date(query.to, 'to');
  if (query.userIds !== undefined) checkUserIds(check, query.userIds);
}

export function checkUserIds(check: InputCheck, ids: unknown): asserts ids is readonly string[] {
  check.list(ids, 'userIds', 'an array of user ids');
  for (const [i, id] of ids.entries()) check.string(id, `userIds[${i}]`, 'a user id');
}

export function checkMessages(
  check: InputCheck,
  messages: unknown,
  field = 'outbox',
): asserts messages is readonly OutboxMessage[] {
  check.list(messages, field, 'an array of outbox messages');
  messages.forEach((m, i) => {
    const at = `${field}[${i}]`;
    check.object(m, at, '{ notifier, event }');
    check.string(m.notifier, `${at}.notifier`, 'the notifier name');
    check.object(m.event, `${at}.event`, 'an event with an id, a type, a timestamp and data');
    check.string(m.event.id, `${at}.event.id`);
    check.string(m.event.type, `${at}.event.type`, 'an event type');
    check.date(m.event.timestamp, `${at}.event.timestamp`);
    if (m.event.data !== undefined) check.object(m.event.data, `${at}.event.data`, 'a JSON object');
  });
}

export function checkAttempt(check: InputCheck, attempt: unknown): asserts attempt is OutboxAttempt {
  check.object(attempt, 'attempt', '{ seq, attempts, nextAttemptAt, error }');
  check.wholeNumber(attempt.seq, 'seq', 1);
  check.wholeNumber(attempt.attempts, 'attempts');
  if (attempt.nextAttemptAt !== null) check.date(attempt.nextAttemptAt, 'nextAttemptAt');
  check.string(attempt.error, 'error', 'the reason as a string');
}

/** Everything a `PollWrite` must hold, field by field, before a store plans it. */
export function checkPollWrite(check: InputCheck, write: unknown): asserts write is PollWrite {
  check.object(write, 'write', 'a poll write object');
  check.string(write.runId, 'runId', 'the id startRun returned');
  check.date(write.at, 'at');
  check.list(write.samples, 'samples', 'an array of samples');
  for (let i = 0; i < write.samples.length; i++) {
    const s: unknown = write.samples[i];
    check.item('samples', i);
    check.object(s, '', 'a sample');
    check.id(s.userId, '.userId');
    if (!isStatus(s.status)) check.fail('.status', 'a status', s.status);
    check.date(s.observedAt, '.observedAt');
    if (s.source !== undefined && s.source !== 'poll' && s.source !== 'push')
      check.fail('.source', '"poll" or "push"', s.source);
    if (s.raw !== undefined) check.object(s.raw, '.raw', 'an object of the platform words');
  }
  check.item(null);
  check.list(write.effects, 'effects', 'an array of effects');
  for (let i = 0; i < write.effects.length; i++) {
    const e: unknown = write.effects[i];
    check.item('effects', i);
    check.object(e, '', 'an effect');
    checkEffect(check, e as unknown as Effect);
  }
  check.item(null);
  if (write.outbox !== undefined) checkMessages(check, write.outbox);
  if (write.fence !== undefined) {
    check.object(write.fence, 'fence', '{ owner, leases }');
    check.string(write.fence.owner, 'fence.owner', 'the coordination owner');
    check.list(write.fence.leases, 'fence.leases', 'an array of leases');
    write.fence.leases.forEach((l, i) => {
      check.object(l, `fence.leases[${i}]`, '{ shard, generation }');
      check.wholeNumber(l.shard, `fence.leases[${i}].shard`);
      check.wholeNumber(l.generation, `fence.leases[${i}].generation`);
    });
  }
}

/** One effect, its fields named relative to the item `check` is at. */
function checkEffect(check: InputCheck, e: Effect): void {
  check.id(e.userId, '.userId');
  switch (e.type) {
    case 'interval.open':
      if (!isStatus(e.status)) check.fail('.status', 'a status', e.status);
      check.date(e.startedAt, '.startedAt');
      if (e.raw !== undefined) check.object(e.raw, '.raw', 'an object of the platform words');
      return;
    case 'interval.close':
      check.date(e.endedAt, '.endedAt');
      return;
    case 'session.open':
      check.date(e.startedAt, '.startedAt');
      return;
    case 'session.close':
      check.date(e.endedAt, '.endedAt');
      check.date(e.lastSeenAt, '.lastSeenAt');
      if (!END_REASONS.includes(e.reason)) check.fail('.reason', END_REASONS.join(', '), e.reason);
      return;
    case 'seen':
      check.date(e.at, '.at');
      if (typeof e.present !== 'boolean') check.fail('.present', 'true or false', e.present);
      return;
    case 'unavailable.long':
      return;
    default: {
      const unknown: never = e;
      check.fail('.type', 'a known effect type', (unknown as { type: unknown }).type);
    }
  }
}

function describe(value: unknown): string {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString();
  if (typeof value === 'string') return value.length > 40 ? `${value.slice(0, 40)}...` : value;
  if (value === null || value === undefined || typeof value !== 'object') return String(value);
  return Array.isArray(value) ? 'an array' : 'an object';
}

/** Counter names: short words a metric can be named after, such as `polls.ok` or `poll.seconds.le.0.5`. */
const COUNTER_NAME = /^[A-Za-z0-9_.+-]{1,100}$/;

export function checkCounterAdd(check: InputCheck, add: unknown): asserts add is CounterAdd {
  check.object(add, 'add', '{ runId, counts }');
  check.string(add.runId, 'runId', 'the id startRun returned');
  check.object(add.counts, 'counts', 'an object of whole amounts by counter name');
  for (const [name, amount] of Object.entries(add.counts)) {
    if (!COUNTER_NAME.test(name))
      check.fail(`counts[${JSON.stringify(name)}]`, 'a name of 1 to 100 letters, digits and ._+-');
    check.wholeNumber(amount, `counts[${JSON.stringify(name)}]`);
  }
}
