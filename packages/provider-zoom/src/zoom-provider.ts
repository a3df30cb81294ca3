import {
  type PresenceProvider,
  type PresenceSample,
  ProviderError,
  type ReadOptions,
  type ResolvedUser,
  type ResolveResult,
} from '@presence-tracker/core';
import { concurrencyLimit } from '@presence-tracker/core/resilience';
import { segment, ZoomClient } from './client.ts';
import { ENDPOINT_CATEGORY, PLAN_LIMITS } from './limits.ts';
import { resolveOptions, type ZoomProviderOptions } from './options.ts';
import { ZoomPush } from './push.ts';
import { toSample } from './status.ts';
import { PROVIDER } from './token.ts';

/** A Zoom user as `GET /users/{userId}` and `GET /users` give it (the fields read here). */
interface ZoomUser {
  id: string;
  email?: string;
  first_name?: string;
  last_name?: string;
  display_name?: string;
  status?: string;
}

interface UserPage {
  next_page_token?: string;
  users?: ZoomUser[];
}

const DAY = 86_400_000;
/** `GET /users` gives at most 300 a page. */
const PAGE_SIZE = 300;

export type ZoomProvider = PresenceProvider & {
  discoverUsers(): Promise<ResolvedUser[]>;
  /**
   * How long reading `people` people once each takes at the plan's limits, in ms: at the per-second
   * limit, or, where the plan has a daily cap, as often as the cap allows day after day. With the
   * tracker's `pollInterval`, also no faster than the polls, each reading `pollCapacity` people.
   * Set `staleAfter` above it.
   */
  sweepDuration(people: number, pollInterval?: number): number;
  /** The most people one poll reads (the per-second limit over `pollWindow`). */
  readonly pollCapacity: number;
  close(): Promise<void>;
};

/**
 * Zoom presence for people named by e-mail or Zoom user id, or for every active user of the account.
 * Zoom answers one person per request (`GET /users/{userId}/presence_status`), so each poll reads
 * the people read least recently, as many as the rate budget allows now, and returns only those.
 */
export function zoomProvider(options: ZoomProviderOptions): ZoomProvider {
  const o = resolveOptions(options);
  const client = new ZoomClient(o);
  const limit = concurrencyLimit(o.concurrency);
  const presence = PLAN_LIMITS[o.plan][ENDPOINT_CATEGORY.presenceStatus];
  const pollCapacity = Math.max(1, Math.floor((presence.perSecond * o.pollWindow) / 1000));
  /** When each person was last read, on the clock: the oldest go first. */
  const lastRead = new Map<string, number>();
  const push = o.push && new ZoomPush(o.push, o.clock, o.logger);

  const toUser = (key: string, u: ZoomUser): ResolvedUser => {
    const fullName = [u.first_name, u.last_name].filter(Boolean).join(' ');
    const displayName = u.display_name || fullName || u.email;
    return {
      key,
      id: u.id,
      ...(displayName ? { displayName } : {}),
      ...(u.email ? { email: u.email } : {}),
    };
  };

  return {
    name: PROVIDER,
    pollCapacity,
    // Zoom's webhook is configured in the app, not by the API: subscribing only says whom to hear.
    ...(push && {
      push: push.endpoint,
      subscribe: async (userIds: string[], onSamples: (samples: PresenceSample[]) => void) =>
        push.subscribe(userIds, onSamples),
    }),

    async resolveUsers(keys: string[]): Promise<ResolveResult> {
      const unique = [...new Set(keys)];
      const found = new Map<string, ZoomUser | null>();
      await Promise.all(
        unique.map((key) =>
          limit(async () => {
            found.set(key, await client.get<ZoomUser>(ENDPOINT_CATEGORY.getUser, `/users/${segment(key)}`));
          }),
        ),
      );
      const resolved: ResolvedUser[] = [];
      const unresolved: ResolveResult['unresolved'] = [];
      for (const key of keys) {
        const u = found.get(key);
        if (!u)
          unresolved.push({ key, reason: 'no user of this Zoom account has this e-mail address or id' });
        else if (u.status === 'inactive')
          unresolved.push({ key, reason: `${u.email ?? u.id} is deactivated in Zoom` });
        else resolved.push(toUser(key, u));
      }
      return { resolved, unresolved };
    },

    async discoverUsers(): Promise<ResolvedUser[]> {
      const users: ResolvedUser[] = [];
      let token: string | undefined;
      do {
        const page = await client.get<UserPage>(ENDPOINT_CATEGORY.listUsers, '/users', {
          status: 'active',
          page_size: String(PAGE_SIZE),
          ...(token ? { next_page_token: token } : {}),
        });
        for (const u of page?.users ?? []) users.push(toUser(u.email ?? u.id, u));
        token = page?.next_page_token || undefined;
      } while (token);
      return users.sort((a, b) => a.key.localeCompare(b.key));
    },

    async getPresence(userIds: string[], options?: ReadOptions): Promise<PresenceSample[]> {
      const ids = [...new Set(userIds)];
      if (ids.length === 0) return [];
      const daily = client.daily[ENDPOINT_CATEGORY.presenceStatus];
      const now = o.clock.now().getTime();
      const age = (id: string) => now - (lastRead.get(id) ?? Number.NEGATIVE_INFINITY);
      // Stable sort: among people never read, the order asked for.
      const due = ids
        .map((id, i) => ({ id, i }))
        .sort((a, b) => age(b.id) - age(a.id) || a.i - b.i)
        .slice(0, Math.min(pollCapacity, daily.remaining))
        .map((x) => x.id);
      if (due.length === 0) {
        const resetAt = daily.resetsAt.toISOString();
        throw new ProviderError(
          PROVIDER,
          `Zoom's daily limit for presence requests is spent; readings resume at ${resetAt}`,
          {
            code: 'PROVIDER_THROTTLED',
            status: 429,
            details: { category: ENDPOINT_CATEGORY.presenceStatus, resetAt },
          },
        );
      }

      const samples: PresenceSample[] = [];
      const errors: unknown[] = [];
      await Promise.all(
        due.map((id) =>
          limit(async () => {
            try {
              const answer = await client.get<Record<string, unknown>>(
                ENDPOINT_CATEGORY.presenceStatus,
                `/users/${segment(id)}/presence_status`,
                undefined,
                options?.signal,
              );
              const at = o.clock.now();
              lastRead.set(id, at.getTime());
              // A user deleted since they were resolved has no presence: no reading.
              if (answer) samples.push(toSample(id, answer, at));
            } catch (error) {
              errors.push(error);
            }
          }),
        ),
      );
      if (errors.length > 0) {
        // Readings already made are worth keeping; with none, the poll failed.
        if (samples.length === 0) throw errors[0];
        o.logger?.warn(
          { provider: PROVIDER, read: samples.length, failed: errors.length, error: String(errors[0]) },
          'zoom: some presence requests failed',
        );
      }
      return samples;
    },

    // Each poll reads the least recently read people the budget allows, so it must see everyone.
    pollBatchSize: Number.POSITIVE_INFINITY,

    sweepDuration(people: number, pollInterval?: number): number {
      if (!(people > 0)) return 0;
      let ms = Math.ceil(people / presence.perSecond) * 1000;
      if (presence.perDay !== undefined) ms = Math.max(ms, Math.ceil((people / presence.perDay) * DAY));
      if (pollInterval !== undefined) ms = Math.max(ms, Math.ceil(people / pollCapacity) * pollInterval);
      return ms;
    },

    async close() {
      limit.clear();
      lastRead.clear();
    },
  };
}
