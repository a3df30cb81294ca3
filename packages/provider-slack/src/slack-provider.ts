import {
  type Logger,
  type PresenceProvider,
  type PresenceSample,
  ProviderError,
  type ResolvedUser,
  type ResolveResult,
  silentLogger,
  systemClock,
} from '@presence-tracker/core';
import { concurrencyLimit, timerSleep } from '@presence-tracker/core/resilience';
import {
  LogLevel,
  WebAPIRateLimitedError,
  WebClient,
  WebClientEvent,
  type Logger as WebClientLogger,
} from '@slack/web-api';
import { MethodBudgets, sweepDuration } from './budget.ts';
import { PROVIDER, toProviderError } from './errors.ts';
import { resolveOptions, type SlackMethod, type SlackProviderOptions } from './options.ts';
import { type DndInfo, toStatus } from './status.ts';

/** The fields of a Slack user object the provider reads. */
interface SlackUser {
  id: string;
  name?: string;
  real_name?: string;
  deleted?: boolean;
  is_bot?: boolean;
  is_app_user?: boolean;
  is_restricted?: boolean;
  is_ultra_restricted?: boolean;
  profile?: { email?: string; real_name?: string; display_name?: string };
}

export type SlackProvider = PresenceProvider & {
  discoverUsers(): Promise<ResolvedUser[]>;
  /**
   * The longest time between two readings of one person when `people` are polled every
   * `pollInterval` ms (default 60,000) within the `users.getPresence` budget: set `staleAfter` above it.
   */
  sweepDuration(people: number, pollInterval?: number): number;
  close(): Promise<void>;
};

const USER_ID = /^[UW][A-Z0-9]{2,}$/;
const EMAIL = /^[^@\s]+@[^@\s]+$/;
const DND_BATCH = 50;
const LIST_PAGE = 200;
const SKIPPED = new Error('not sent');
/** Above this many keys, `resolveUsers` lists the workspace instead of looking each key up. */
const LIST_ABOVE = 20;

/**
 * Slack presence (`users.getPresence`) and do-not-disturb (`dnd.teamInfo`) through `@slack/web-api`.
 * Slack reads presence one person a call, at about 50 calls a minute per workspace, so each poll reads
 * the people whose last reading is oldest, as many as the budget allows now, and returns only those.
 */
export function slackProvider(options: SlackProviderOptions): SlackProvider {
  const o = resolveOptions(options);
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? silentLogger;
  const budgets = new MethodBudgets(o.rateLimits, {
    clock,
    sleep: options.sleep ?? timerSleep,
    grace: o.budgetGrace,
  });
  const limit = concurrencyLimit(o.concurrency);
  const common = {
    ...(o.baseUrl !== undefined && { slackApiUrl: o.baseUrl }),
    logger: clientLogger(logger),
    logLevel: LogLevel.WARN,
    maxRequestConcurrency: o.concurrency,
    timeout: o.timeout,
  };
  // Look-ups and listings wait out `ratelimited` as Retry-After says, in the client's own retry loop.
  const lookups = new WebClient(o.token, {
    ...common,
    rejectRateLimitedCalls: false,
    retryConfig: { retries: o.retries, factor: 2, minTimeout: 1000, maxTimeout: 30_000, randomize: true },
  });
  // A poll never waits: a `ratelimited` answer rejects at once, and the budget is held for Retry-After.
  const polls = new WebClient(o.token, {
    ...common,
    rejectRateLimitedCalls: true,
    retryConfig: { retries: 0 },
  });
  lookups.on(WebClientEvent.RATE_LIMITED, (retrySec: number, { url }: { url: string }) => {
    const method = url.slice(url.lastIndexOf('/') + 1) as SlackMethod;
    budgets.hold(method, retrySec * 1000);
    logger.warn({ provider: PROVIDER, method, retryAfter: retrySec * 1000 }, 'Slack rate-limited a call');
  });

  const profiles = new Map<string, { user: SlackUser; at: number }>();
  const dndCache = new Map<string, { dnd: DndInfo; at: number }>();
  const lastRead = new Map<string, number>();
  let closed = false;

  const remember = (user: SlackUser) => profiles.set(user.id, { user, at: clock.now().getTime() });

  const call = async <T>(
    client: WebClient,
    method: SlackMethod,
    args: Record<string, unknown>,
    batch?: { limited: boolean },
  ): Promise<T> => {
    if (closed) throw new ProviderError(PROVIDER, 'the Slack provider is closed');
    try {
      return (await limit(async () => {
        // Calls still queued when Slack said `ratelimited` are not sent: they would only be refused too.
        if (batch?.limited) throw SKIPPED;
        try {
          return await client.apiCall(method, args);
        } catch (error) {
          if (batch && error instanceof WebAPIRateLimitedError) batch.limited = true;
          throw error;
        }
      })) as T;
    } catch (error) {
      if (error === SKIPPED) throw error;
      throw toProviderError(error, method);
    }
  };
  /** A call that waits for its budget slot. */
  const lookup = async <T>(method: SlackMethod, args: Record<string, unknown>): Promise<T> => {
    await budgets.take(method);
    return call<T>(lookups, method, args);
  };

  const toUser = (key: string, u: SlackUser): ResolvedUser => {
    const email = u.profile?.email;
    const displayName = u.profile?.real_name || u.real_name || u.profile?.display_name || u.name;
    return { key, id: u.id, ...(displayName && { displayName }), ...(email && { email }) };
  };

  /** Why `discoverUsers` leaves an account out, or null. */
  const excluded = (u: SlackUser): string | null => {
    if ((u.is_bot || u.is_app_user || u.id === 'USLACKBOT') && !o.includeBots) return 'bot';
    if (u.deleted && !o.includeDeleted) return 'deleted';
    if ((u.is_restricted || u.is_ultra_restricted) && !o.includeRestricted) return 'restricted';
    return null;
  };

  /** The user by key, or the reason it names nobody; `users_not_found` is an answer, not a failure. */
  const findUser = async (key: string): Promise<SlackUser | string> => {
    const byEmail = EMAIL.test(key);
    if (!byEmail && !USER_ID.test(key)) {
      return 'not an e-mail address or a Slack user id (U... or W...)';
    }
    try {
      const answer = byEmail
        ? await lookup<{ user: SlackUser }>('users.lookupByEmail', { email: key })
        : await lookup<{ user: SlackUser }>('users.info', { user: key });
      return answer.user;
    } catch (error) {
      const code = ProviderError.isInstance(error) ? error.details?.slackError : undefined;
      if (code === 'users_not_found' || code === 'user_not_found') {
        return byEmail
          ? 'no member of this Slack workspace has this e-mail address'
          : 'no member of this Slack workspace has this user id';
      }
      if (code === 'user_not_visible') return 'this Slack user is not visible to the token';
      throw error;
    }
  };

  /** Every member, following `next_cursor`; each profile remembered. */
  const listMembers = async (): Promise<SlackUser[]> => {
    const members: SlackUser[] = [];
    let cursor: string | undefined;
    do {
      const page = await lookup<{ members?: SlackUser[]; response_metadata?: { next_cursor?: string } }>(
        'users.list',
        { limit: LIST_PAGE, ...(cursor && { cursor }) },
      );
      for (const member of page.members ?? []) {
        remember(member);
        members.push(member);
      }
      cursor = page.response_metadata?.next_cursor || undefined;
    } while (cursor);
    return members;
  };

  /** Deleted or not, from the profile; refreshed with `users.info` when it is older than `profileMaxAge`. */
  const isDeleted = (id: string): boolean | undefined => profiles.get(id)?.user.deleted;

  const readDnd = async (ids: string[]): Promise<void> => {
    const now = clock.now().getTime();
    const due = ids.filter((id) => {
      const cached = dndCache.get(id);
      return !cached || now - cached.at >= o.dndMaxAge;
    });
    const batches: string[][] = [];
    for (let i = 0; i < due.length; i += DND_BATCH) batches.push(due.slice(i, i + DND_BATCH));
    const granted: string[][] = [];
    for (const batch of batches) {
      if (!(await budgets.takeNow('dnd.teamInfo'))) break;
      granted.push(batch);
    }
    await Promise.all(
      granted.map(async (batch) => {
        try {
          const answer = await call<{ users?: Record<string, DndInfo> }>(polls, 'dnd.teamInfo', {
            users: batch.join(','),
          });
          const at = clock.now().getTime();
          for (const [id, dnd] of Object.entries(answer.users ?? {})) dndCache.set(id, { dnd, at });
        } catch (error) {
          if (throttled(error, 'dnd.teamInfo')) return;
          if (ProviderError.isInstance(error) && error.code === 'PROVIDER_AUTH') throw error;
          logger.warn({ provider: PROVIDER, error: (error as Error).message }, 'Slack DND not read');
        }
      }),
    );
  };

  /** A rate-limited call: hold the method's budget as long as Slack asked. */
  const throttled = (error: unknown, method: SlackMethod): boolean => {
    if (!ProviderError.isInstance(error) || error.code !== 'PROVIDER_THROTTLED') return false;
    const wait = error.details?.retryAfter;
    budgets.hold(method, typeof wait === 'number' ? wait : 60_000);
    logger.warn({ provider: PROVIDER, method, retryAfter: wait }, 'Slack rate-limited a poll');
    return true;
  };

  const provider: SlackProvider = {
    name: PROVIDER,

    async resolveUsers(keys: string[]): Promise<ResolveResult> {
      const resolved: ResolvedUser[] = [];
      const unresolved: ResolveResult['unresolved'] = [];
      // Many keys: one listing (200 people a call) costs less budget than a look-up each.
      const listed = keys.length > LIST_ABOVE ? await listMembers() : [];
      const byKey = new Map<string, SlackUser>();
      for (const u of listed) {
        byKey.set(u.id, u);
        if (u.profile?.email) byKey.set(u.profile.email.toLowerCase(), u);
      }
      const found = await Promise.all(
        keys.map((key) => byKey.get(EMAIL.test(key) ? key.toLowerCase() : key) ?? findUser(key)),
      );
      keys.forEach((key, i) => {
        const user = found[i]!;
        if (typeof user === 'string') unresolved.push({ key, reason: user });
        else {
          remember(user);
          resolved.push(toUser(key, user));
        }
      });
      return { resolved, unresolved };
    },

    async discoverUsers(): Promise<ResolvedUser[]> {
      const users: ResolvedUser[] = [];
      for (const member of await listMembers()) {
        if (excluded(member) === null) users.push(toUser(member.name ?? member.id, member));
      }
      return users.sort((a, b) => a.key.localeCompare(b.key));
    },

    async getPresence(userIds: string[]): Promise<PresenceSample[]> {
      const ids = [...new Set(userIds)];
      if (ids.length === 0) return [];
      const samples: PresenceSample[] = [];
      // Refresh stale profiles (to learn of deletions) within the users.info budget, without waiting.
      const now = clock.now().getTime();
      for (const id of ids) {
        const p = profiles.get(id);
        if (p && now - p.at < o.profileMaxAge) continue;
        if (!(await budgets.takeNow('users.info'))) break;
        try {
          const answer = await call<{ user: SlackUser }>(polls, 'users.info', { user: id });
          remember(answer.user);
        } catch (error) {
          if (throttled(error, 'users.info')) break;
          if (ProviderError.isInstance(error) && error.code === 'PROVIDER_AUTH') throw error;
        }
      }
      // A deleted account has no presence to read: it is unknown, at no cost.
      const live: string[] = [];
      for (const id of ids) {
        if (isDeleted(id) === true) {
          samples.push({
            userId: id,
            status: 'unknown',
            observedAt: clock.now(),
            raw: { deleted: true },
            source: 'poll',
          });
        } else live.push(id);
      }
      // Oldest reading first; never-read people first of all, in the order given.
      const order = live
        .map((id, i) => ({ id, i, at: lastRead.get(id) ?? Number.NEGATIVE_INFINITY }))
        .sort((a, b) => a.at - b.at || a.i - b.i)
        .map((x) => x.id);
      const granted: string[] = [];
      for (const id of order) {
        if (!(await budgets.takeNow('users.getPresence'))) break;
        granted.push(id);
      }
      let firstError: unknown;
      const batch = { limited: false };
      const readings = await Promise.all(
        granted.map(async (id) => {
          try {
            const answer = await call<{ presence?: string }>(polls, 'users.getPresence', { user: id }, batch);
            return { id, presence: answer.presence ?? '' };
          } catch (error) {
            if (error === SKIPPED) return null;
            if (throttled(error, 'users.getPresence')) return null;
            if (ProviderError.isInstance(error) && error.code === 'PROVIDER_AUTH') throw error;
            // One person's failed reading leaves them oldest, so the next poll reads them first.
            firstError ??= error;
            return null;
          }
        }),
      );
      const read = readings.filter((r) => r !== null);
      if (read.length === 0 && firstError !== undefined && samples.length === 0) throw firstError;
      if (o.dnd && read.length > 0) await readDnd(read.map((r) => r.id));
      const at = clock.now();
      const fresh = at.getTime() - o.dndMaxAge;
      for (const { id, presence } of read) {
        const cached = dndCache.get(id);
        const dnd = cached && cached.at > fresh ? cached.dnd : undefined;
        samples.push({
          userId: id,
          status: toStatus({ presence, ...(dnd && { dnd }) }, at),
          observedAt: at,
          raw: { presence, ...(dnd && dnd) },
          source: 'poll',
        });
        lastRead.set(id, at.getTime());
      }
      return samples;
    },

    // Each poll reads the oldest readings first within the budget, so it must see everyone.
    pollBatchSize: Number.POSITIVE_INFINITY,

    sweepDuration(people: number, pollInterval = 60_000): number {
      return sweepDuration(people, pollInterval, budgets.limit('users.getPresence'));
    },

    async close() {
      closed = true;
      limit.clear();
      profiles.clear();
      dndCache.clear();
    },
  };
  return provider;
}

/** The client's own log lines, warnings and errors only, into the host's logger (the client redacts tokens). */
function clientLogger(logger: Logger): WebClientLogger {
  let level = LogLevel.WARN;
  const line =
    (write: Logger['warn']) =>
    (...msg: unknown[]) =>
      write({ provider: PROVIDER }, msg.map(String).join(' '));
  return {
    debug: () => {},
    info: () => {},
    warn: line(logger.warn.bind(logger)),
    error: line(logger.error.bind(logger)),
    setLevel: (l: LogLevel) => {
      level = l;
    },
    getLevel: () => level,
    setName: () => {},
  };
}
