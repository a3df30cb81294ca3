import { PresenceTrackerError } from '../errors.ts';
import { type Effect, initialState } from '../machine/index.ts';
import type { User } from '../model.ts';
import type { PresenceProvider } from '../provider/index.ts';
import { openByUser, resumedState } from './continuation.ts';
import type { TrackerOptions, UserSpec } from './options.ts';
import { recoverUsers, resync } from './recovery.ts';
import type { Runtime } from './runtime.ts';

type Unresolved = { key: string; reason: string }[];

/** Resolves the configured users once; a failure is reported and tried again on the next poll. */
export async function ensureUsers(rt: Runtime): Promise<boolean> {
  if (rt.resolved) return true;
  const { provider, store, users } = rt.options;
  try {
    const { found, unresolved } = await resolveUsers(provider, users);
    // One map for both the dedupe and `byId`: a user named twice keeps the first place and the last
    // details. At a million people, a pair per user for each map was 130 MB of garbage at the start,
    // which V8 kept as freed pages afterwards.
    const byId = new Map<string, User>();
    for (const u of found) byId.set(u.id, u);
    const unique = byId.size === found.length ? found : [...byId.values()];
    await store.upsertUsers(unique);
    rt.tracked = unique;
    rt.byId = byId;
    // Shards may have come to this tracker before its users were known: recover those users now.
    const owned = rt.options.coordination ? unique.filter((u) => rt.leases.owns(u.id)) : unique;
    if (rt.options.coordination) await resync(rt, rt.clock.now(), owned);
    else await resumeUsers(rt, owned);
    rt.resolved = true;
    for (const u of unresolved) rt.logger.warn({ key: u.key, reason: u.reason }, 'user not found');
    rt.logger.info({ users: unique.length, unresolved: unresolved.length }, 'users resolved');
    rt.emit('users', { tracked: unique, unresolved });
    rt.succeeded('resolving users');
    await subscribe(rt);
    return true;
  } catch (error) {
    rt.fail(error, 'resolving users');
    return false;
  }
}

/**
 * The people the configuration names, as the provider knows them (with the configuration's display
 * names and severities), or everyone it can discover.
 */
async function resolveUsers(
  provider: PresenceProvider,
  users: TrackerOptions['users'],
): Promise<{ found: User[]; unresolved: Unresolved }> {
  if (users === 'discover') {
    if (!provider.discoverUsers) {
      throw new PresenceTrackerError('CONFIG_INVALID', `provider ${provider.name} cannot discover users`);
    }
    return { found: (await provider.discoverUsers()).map((u) => ({ ...u, severity: 0 })), unresolved: [] };
  }
  const specs = users.map((u): UserSpec => (typeof u === 'string' ? { key: u } : u));
  const result = await provider.resolveUsers(specs.map((s) => s.key));
  const byKey = new Map(specs.map((s) => [s.key.toLowerCase(), s]));
  const found = result.resolved.map((u) => {
    const spec = byKey.get(u.key.toLowerCase());
    return {
      ...u,
      ...(spec?.displayName ? { displayName: spec.displayName } : {}),
      severity: spec?.severity ?? 0,
    };
  });
  return { found, unresolved: result.unresolved };
}

/** Starts tracking users: afresh, or where a continued run left them. */
async function resumeUsers(rt: Runtime, users: readonly User[]) {
  const left = rt.resume;
  rt.resume = null;
  const open = left ? openByUser(left) : new Map();
  for (const u of users) {
    const was = open.get(u.id);
    rt.states.set(u.id, was ? resumedState(u, was, rt.policy) : initialState(u.id, u.severity));
    if (was?.interval) rt.states.recordStatus(u.id, was.interval.status);
  }
  if (!left) return;
  // People no longer configured: what they left open ends at their last sighting, as in a recovery.
  const kept = new Set(users.map((u) => u.id));
  await recoverUsers(rt, rt.clock.now(), {
    intervals: left.intervals.filter((i) => !kept.has(i.userId)),
    sessions: left.sessions.filter((s) => !kept.has(s.userId)),
  });
}

/** With a provider that pushes, readings that arrive between polls are applied as they come. */
async function subscribe(rt: Runtime) {
  const { provider } = rt.options;
  if (!provider.subscribe || rt.tracked.length === 0) return;
  rt.subscription = await provider.subscribe(
    rt.tracked.map((u) => u.id),
    (samples) => {
      if (rt.lifecycle !== 'running') return;
      rt.exclusive(async () => {
        const effects: Effect[] = [];
        const applied = rt.applySamples(samples, effects);
        await rt.commit(rt.clock.now(), applied, effects);
      }).catch((error) => rt.fail(error, 'push'));
    },
  );
}
