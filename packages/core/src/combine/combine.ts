import { z } from 'zod';
import { type Clock, systemClock } from '../clock.ts';
import { ConfigError, ProviderError } from '../errors.ts';
import { type Logger, silentLogger } from '../logger.ts';
import { DEFAULT_POLICY } from '../machine/policy.ts';
import { isStatus, type PresenceSample, type ResolvedUser, STATUSES, type Status } from '../model.ts';
import type { PresenceProvider, ReadOptions, ResolveResult } from '../provider/index.ts';
import { parseOptions } from '../validation.ts';
import { discoverAcross, type FoundOn } from './discover.ts';
import {
  completeOrder,
  DEFAULT_MERGE_ORDER,
  type MergeRule,
  mergeOrderSchema,
  mergeReadings,
} from './merge.ts';
import { combinedPush } from './push.ts';
import { type CombinedRaw, type PlatformRaw, readingsOf } from './raw.ts';

export interface CombineProvidersOptions {
  /** The platforms, by a name of your choosing (`chat`, `calendar`, `meetings`), in order of precedence for names. */
  providers: Readonly<Record<string, PresenceProvider>>;
  /** How readings become one status. Default: `DEFAULT_MERGE_ORDER`. */
  merge?: MergeRule;
  /**
   * How long a platform's reading counts after it was read (ms), for all platforms or per platform
   * name. A reading with `validUntil` counts until then too. Pass the tracker's `staleAfter`.
   * Default: 180,000 (the tracker's default: three polls of a minute).
   */
  staleAfter?: number | Readonly<Record<string, number>>;
  /**
   * Statuses of a platform that say nothing of whether the person is there, left out of the merge
   * (kept in `raw.platforms`, marked `ignored`): `{ calendar: ['available'] }`, since a free calendar
   * only says there is no meeting. A person whose every current reading is ignored gets no reading.
   */
  ignore?: Readonly<Record<string, readonly Status[]>>;
  /** Where "now" comes from when deciding which readings still count. Default: the system clock. */
  clock?: Clock;
  logger?: Logger;
  /** Default: `combine`. */
  name?: string;
}

const hasFunctions = z.custom<PresenceProvider>(
  (v) =>
    typeof v === 'object' &&
    v !== null &&
    typeof (v as PresenceProvider).resolveUsers === 'function' &&
    typeof (v as PresenceProvider).getPresence === 'function',
  { message: 'expected a provider (an object with resolveUsers and getPresence)' },
);
const duration = z
  .number({ error: 'expected milliseconds' })
  .int('expected whole milliseconds')
  .positive('expected more than 0 milliseconds');
const platformName = z.string().regex(/^[A-Za-z][\w-]*$/, 'expected a name of letters, digits, - and _');

const optionsSchema = z.object({
  providers: z
    .record(platformName, hasFunctions)
    .refine((p) => Object.keys(p).length > 0, 'expected at least one provider'),
  merge: z.union([mergeOrderSchema, z.function()]).optional(),
  staleAfter: z.union([duration, z.record(z.string(), duration)]).optional(),
  ignore: z.record(z.string(), z.array(z.enum(STATUSES))).optional(),
  clock: z
    .custom<Clock>((v) => typeof (v as Clock | undefined)?.now === 'function', 'expected { now() }')
    .optional(),
  logger: z.custom<Logger>((v) => typeof v === 'object' && v !== null, 'expected a logger').optional(),
  name: z.string().min(1).optional(),
});

interface Person {
  id: string;
  /** The platform's id of this person, by platform. */
  ids: Map<string, string>;
}

/**
 * One person on several platforms as one provider: a person is known by one key (usually their
 * e-mail), resolved on every platform; each poll reads every platform at once and merges each
 * person's readings by `merge`. A platform that fails leaves its last readings counting until they go
 * stale; a person is read as long as any platform answers for them. `raw.platforms` keeps each
 * platform's current reading.
 */
export function combineProviders(options: CombineProvidersOptions): PresenceProvider {
  parseOptions(optionsSchema, options, 'combineProviders options');
  const name = options.name ?? 'combine';
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? silentLogger;
  const platforms = Object.entries(options.providers);
  const unknownNames = (['staleAfter', 'ignore'] as const).flatMap((field) => {
    const value = options[field];
    return typeof value === 'object'
      ? Object.keys(value)
          .filter((p) => !(p in options.providers))
          .map((p) => `${field}.${p}`)
      : [];
  });
  if (unknownNames.length > 0) {
    throw new ConfigError('invalid combineProviders options:', [
      ...unknownNames.map((path) => ({
        path,
        message: `expected one of the providers' names (${platforms.map(([n]) => n).join(', ')})`,
      })),
    ]);
  }
  const ignore = options.ignore ?? {};
  const staleAfter = (platform: string): number =>
    typeof options.staleAfter === 'number'
      ? options.staleAfter
      : (options.staleAfter?.[platform] ?? DEFAULT_POLICY.staleAfter);
  const rule: MergeRule =
    typeof options.merge === 'function' ? options.merge : completeOrder(options.merge ?? DEFAULT_MERGE_ORDER);

  const people = new Map<string, Person>();
  /** Person ids by platform, then by the platform's id. */
  const byPlatformId = new Map(platforms.map(([p]) => [p, new Map<string, string>()]));
  /** Keys a platform could not be asked about (it was unreachable), tried again at each poll. */
  const pending = new Map<string, Map<string, string>>();
  const latest = new Map<string, Map<string, PlatformRaw>>();
  const failing = new Set<string>();

  const remember = (platform: string, found: ResolvedUser, personId: string) => {
    people.get(personId)?.ids.set(platform, found.id);
    byPlatformId.get(platform)!.set(found.id, personId);
  };

  const lower = (key: string) => key.toLowerCase();

  /** Resolves `keys` (person ids by lower-cased key) on one platform; throws when it cannot be reached. */
  const resolveOn = async (provider: PresenceProvider, keys: Map<string, string>): Promise<FoundOn> => {
    const result = await provider.resolveUsers([...keys.values()]);
    const found = new Map<string, ResolvedUser>();
    for (const u of result.resolved) {
      const personId = keys.get(lower(u.key));
      if (personId !== undefined && !found.has(personId)) found.set(personId, u);
    }
    return { found, unresolved: result.unresolved };
  };

  const noteFailure = (platform: string, error: unknown, during: string) => {
    if (failing.has(platform)) return;
    failing.add(platform);
    logger.warn({ platform, during, error: (error as Error)?.message ?? String(error) }, 'platform failing');
  };
  const noteSuccess = (platform: string) => {
    if (failing.delete(platform)) logger.info({ platform }, 'platform recovered');
  };

  /** Platforms that were unreachable when the people were resolved get another chance before each poll. */
  const retryPending = async () => {
    await Promise.all(
      [...pending].map(async ([platform, keys]) => {
        const provider = options.providers[platform]!;
        try {
          const { found } = await resolveOn(provider, keys);
          for (const [personId, u] of found) remember(platform, u, personId);
          pending.delete(platform);
          noteSuccess(platform);
        } catch (error) {
          noteFailure(platform, error, 'resolving users');
        }
      }),
    );
  };

  const fresh = (readings: Map<string, PlatformRaw> | undefined, at: number) =>
    readingsOf(readings).filter(
      (r) =>
        at - r.observedAt.getTime() <= staleAfter(r.platform) ||
        (r.validUntil !== undefined && at <= r.validUntil.getTime()),
    );

  /**
   * The merged sample of a person, from the readings that count at `at`. Only a counted reading that
   * came in now (from `answered` platforms) confirms the person, and its instant is the sample's: a
   * reading kept from an earlier poll, or an ignored one, merges but sees no one. None without such.
   */
  const merged = (personId: string, at: number, answered: ReadonlySet<string>, source: 'poll' | 'push') => {
    const readings = latest.get(personId);
    const current = fresh(readings, at);
    const counted = current.filter((r) => !ignore[r.platform]?.includes(r.status));
    const confirming = counted.filter((r) => answered.has(r.platform));
    if (confirming.length === 0) return undefined;
    const observedAt = new Date(Math.max(...confirming.map((r) => r.observedAt.getTime())));
    const raw: CombinedRaw = {
      platforms: Object.fromEntries(
        current.map((r) => [
          r.platform,
          { ...readings!.get(r.platform)!, ...(!counted.includes(r) && { ignored: true }) },
        ]),
      ),
    };
    const sample: PresenceSample = {
      userId: personId,
      status: mergeReadings(counted, rule),
      observedAt,
      raw: raw as unknown as Record<string, unknown>,
      source,
    };
    // A merged reading holds only as long as every reading in it holds: one without a bound may change
    // at any poll.
    const bounds = current.map((r) => r.validUntil?.getTime());
    if (bounds.every((b) => b !== undefined)) {
      sample.validUntil = new Date(Math.min(...(bounds as number[])));
    }
    return sample;
  };

  /** Keeps a platform's samples as the latest readings; returns the people they concern. */
  const take = (platform: string, samples: readonly PresenceSample[]): Set<string> => {
    const touched = new Set<string>();
    const ids = byPlatformId.get(platform)!;
    for (const s of samples) {
      const personId = ids.get(s.userId);
      if (personId === undefined || !isStatus(s.status)) continue;
      const readings = latest.get(personId) ?? new Map<string, PlatformRaw>();
      latest.set(personId, readings);
      const before = readings.get(platform);
      if (before && Date.parse(before.observedAt) >= s.observedAt.getTime()) continue;
      const validUntil = s.validUntil;
      readings.set(platform, {
        status: s.status,
        observedAt: s.observedAt.toISOString(),
        ...(validUntil instanceof Date && { validUntil: validUntil.toISOString() }),
        ...(s.raw && { raw: s.raw }),
      });
      touched.add(personId);
    }
    return touched;
  };

  /**
   * Each platform's answer for the people `asked` (person ids by lower-cased key) made into people: a
   * person found on any platform is resolved, named by the first platform (in the order of
   * `providers`) that gives a name; every platform that did not find someone says why in
   * `unresolved`; a platform that could not be asked is asked again before each poll.
   */
  const settle = (
    asked: ReadonlyMap<string, string>,
    outcomes: PromiseSettledResult<FoundOn>[],
  ): ResolveResult => {
    const resolved = new Map<string, ResolvedUser>();
    const unresolved: ResolveResult['unresolved'] = [];
    const found = new Map<string, Set<string>>();
    outcomes.forEach((outcome, i) => {
      const [platform] = platforms[i]!;
      if (outcome.status === 'rejected') {
        pending.set(platform, new Map(asked));
        noteFailure(platform, outcome.reason, 'resolving users');
        return;
      }
      noteSuccess(platform);
      for (const [personId, u] of outcome.value.found) {
        if (!found.has(personId)) found.set(personId, new Set());
        found.get(personId)!.add(platform);
        const before = resolved.get(personId);
        resolved.set(personId, {
          key: personId,
          id: personId,
          ...((before?.displayName ?? u.displayName) !== undefined && {
            displayName: before?.displayName ?? u.displayName,
          }),
          ...((before?.email ?? u.email) !== undefined && { email: before?.email ?? u.email }),
          ...((before?.groups || u.groups) && { groups: [...(before?.groups ?? []), ...(u.groups ?? [])] }),
        });
      }
    });
    for (const personId of resolved.keys()) {
      if (!people.has(personId)) people.set(personId, { id: personId, ids: new Map() });
    }
    outcomes.forEach((outcome, i) => {
      const [platform] = platforms[i]!;
      if (outcome.status === 'rejected') {
        const reason = (outcome.reason as Error)?.message ?? String(outcome.reason);
        for (const key of asked.values()) {
          unresolved.push({
            key,
            reason: `${platform}: not reachable (${reason}); asked again at each poll`,
          });
        }
        return;
      }
      for (const [personId, u] of outcome.value.found) remember(platform, u, personId);
      const reasons = new Map(outcome.value.unresolved.map((u) => [lower(u.key), u.reason]));
      for (const [k, key] of asked) {
        if (outcome.value.found.has(key)) continue;
        const elsewhere = [...(found.get(key) ?? [])];
        unresolved.push({
          key,
          reason:
            `${platform}: ${reasons.get(k) ?? 'not found'}` +
            (elsewhere.length > 0 ? ` (tracked on ${elsewhere.join(', ')})` : ''),
        });
      }
    });
    return { resolved: [...resolved.values()], unresolved };
  };

  const provider: PresenceProvider = {
    name,

    async resolveUsers(keys: string[]): Promise<ResolveResult> {
      const asked = new Map<string, string>();
      for (const key of keys) if (!asked.has(lower(key))) asked.set(lower(key), key);
      const outcomes = await Promise.allSettled(platforms.map(([, p]) => resolveOn(p, asked)));
      if (outcomes.every((o) => o.status === 'rejected')) {
        throw new ProviderError(
          name,
          `no platform could resolve the people: ${outcomes
            .map((o, i) => `${platforms[i]![0]}: ${((o as PromiseRejectedResult).reason as Error)?.message}`)
            .join('; ')}`,
          { cause: (outcomes[0] as PromiseRejectedResult).reason },
        );
      }
      return settle(asked, outcomes);
    },

    async getPresence(userIds: string[], options?: ReadOptions): Promise<PresenceSample[]> {
      if (pending.size > 0) await retryPending();
      const asked = platforms
        .map(([platform, p]) => {
          const ids = userIds.flatMap((id) => {
            const own = people.get(id)?.ids.get(platform);
            return own === undefined ? [] : [own];
          });
          return { platform, provider: p, ids };
        })
        .filter((a) => a.ids.length > 0);
      const outcomes = await Promise.allSettled(asked.map((a) => a.provider.getPresence(a.ids, options)));
      const answered = new Map<string, Set<string>>();
      const errors: string[] = [];
      outcomes.forEach((outcome, i) => {
        const { platform } = asked[i]!;
        if (outcome.status === 'rejected') {
          // A read given up because the tracker stops is no failure of the platform's.
          if (!options?.signal?.aborted) noteFailure(platform, outcome.reason, 'reading presence');
          errors.push(`${platform}: ${(outcome.reason as Error)?.message ?? String(outcome.reason)}`);
          return;
        }
        noteSuccess(platform);
        for (const personId of take(platform, outcome.value)) {
          answered.set(personId, (answered.get(personId) ?? new Set()).add(platform));
        }
      });
      if (asked.length > 0 && errors.length === asked.length) {
        const reasons = outcomes.map((o) => (o as PromiseRejectedResult).reason);
        // All refused the same way (all throttled, all signed out): the tracker is told so.
        const codes = new Set(reasons.map((r) => (ProviderError.isInstance(r) ? r.code : 'PROVIDER_FAILED')));
        const code = codes.size === 1 ? ([...codes][0] as ProviderError['code']) : 'PROVIDER_FAILED';
        throw new ProviderError(name, `no platform answered: ${errors.join('; ')}`, {
          cause: reasons[0],
          code: code as 'PROVIDER_FAILED',
        });
      }
      const at = clock.now().getTime();
      const samples: PresenceSample[] = [];
      for (const [personId, platformsHeard] of answered) {
        const sample = merged(personId, at, platformsHeard, 'poll');
        if (sample) samples.push(sample);
      }
      return samples;
    },

    async close() {
      await Promise.allSettled(platforms.map(([, p]) => p.close?.()));
    },
  };

  if (platforms.some(([, p]) => p.discoverUsers)) {
    // Everyone the platforms that can list people list, matched across platforms by e-mail address
    // (discover.ts says why), and resolved on the others as configured keys are.
    provider.discoverUsers = async () => {
      const { asked, outcomes } = await discoverAcross({
        name,
        platforms,
        resolveOn,
        onFailure: (platform, error) => noteFailure(platform, error, 'discovering users'),
        logger,
      });
      return settle(asked, outcomes).resolved.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    };
  }
  if (platforms.some(([, p]) => p.subscribe)) {
    provider.subscribe = async (userIds, onSamples) => {
      const subscriptions = await Promise.all(
        platforms
          .filter(([, p]) => p.subscribe)
          .map(async ([platform, p]) => {
            const ids = userIds.flatMap((id) => people.get(id)?.ids.get(platform) ?? []);
            if (ids.length === 0) return undefined;
            return p.subscribe!(ids, (samples) => {
              const out: PresenceSample[] = [];
              for (const personId of take(platform, samples)) {
                const sample = merged(personId, clock.now().getTime(), new Set([platform]), 'push');
                if (sample) out.push(sample);
              }
              if (out.length > 0) onSamples(out);
            });
          }),
      );
      return {
        async close() {
          await Promise.allSettled(subscriptions.map((s) => s?.close()));
        },
      };
    };
  }
  const push = combinedPush(platforms);
  if (push) Object.assign(provider, { push });
  const sizes = platforms.flatMap(([, p]) => (p.pollBatchSize === undefined ? [] : [p.pollBatchSize]));
  if (sizes.length > 0) {
    // Every platform is asked about the same people: the smallest batch suits all, and a platform
    // that must see everyone at once (Infinity) makes the whole provider so.
    Object.assign(provider, {
      pollBatchSize: sizes.includes(Number.POSITIVE_INFINITY) ? Number.POSITIVE_INFINITY : Math.min(...sizes),
    });
  }
  if (platforms.some(([, p]) => p.sweepDuration)) {
    // People are swept on every platform at once; the slowest sweep says how old a reading may get.
    provider.sweepDuration = (count, pollInterval) =>
      Math.max(...platforms.map(([, p]) => p.sweepDuration?.(count, pollInterval) ?? pollInterval));
  }
  return provider;
}
