import {
  ConfigError,
  DEFAULT_MAX_POLL_INTERVAL,
  type PluginConfig,
  type PresenceProvider,
  type PresenceStore,
  silentLogger,
} from '@presence-tracker/core';
import { resolveConfig } from '../config.ts';
import { EXIT, explain } from '../explain.ts';
import { type Io, writeLine } from '../io.ts';
import { BUILTIN_PLUGINS, makeCoordination } from '../plugins.ts';
import { hostPush, type PushHost, pushEndpointOf } from '../push-host.ts';
import { pluginContext } from './track.ts';

export interface DoctorOptions {
  config?: string;
  timeout?: number;
}

const DEFAULT_TIMEOUT = 30_000;

/** Options a built-in store takes here so that an unreachable server is told within seconds. */
const QUICK: Record<string, Record<string, unknown>> = {
  postgres: { retry: { attempts: 2, baseDelay: 100, maxDelay: 500 } },
};

/**
 * Checks, in the order a tracker needs them: the configuration, the store, the provider. Each check
 * says in plain words what it found and, when something is wrong, what to do about it.
 */
export async function doctor(options: DoctorOptions, io: Io): Promise<number> {
  const say = (mark: 'ok' | 'warn' | 'fail', what: string, text: string) =>
    writeLine(io.stdout, `${{ ok: '✔', warn: '!', fail: '✘' }[mark]} ${what.padEnd(14)} ${text}`);
  const timeout = options.timeout ?? DEFAULT_TIMEOUT;

  let config: PluginConfig;
  try {
    config = await resolveConfig(io, options.config);
  } catch (error) {
    if (!ConfigError.isInstance(error)) throw error;
    say('fail', 'configuration', error.message);
    return EXIT.usage;
  }
  const people = (n: number) => `${n} ${n === 1 ? 'person' : 'people'}`;
  const users = config.users === 'discover' ? 'everyone the account can see' : people(config.users.length);
  say(
    'ok',
    'configuration',
    `${config.file ?? 'the environment'} (${config.format}): ${config.provider.type}, ${users}`,
  );
  for (const notice of config.notices) writeLine(io.stdout, `    default taken: ${notice}`);
  const context = pluginContext(config, io, silentLogger);

  let failed = false;
  // Something works but not as configured: tracking can start, so not a failure, but not "All good".
  let warned = false;
  let store: PresenceStore | undefined;
  const configured = config.plugins.store;
  const storeName = configured.describe(context);
  try {
    const quick =
      configured.plugin === (await builtinStore(config.store.type)) ? QUICK[config.store.type] : {};
    store = await configured.plugin.create({ ...(configured.options as object), ...quick } as never, context);
    await within(store.init(), timeout, `the store did not answer within ${timeout / 1000} s`);
    const ready = store;
    const longest = Math.max(config.pollInterval, config.maxPollInterval ?? DEFAULT_MAX_POLL_INTERVAL);
    const running = config.coordination
      ? null
      : await within(runningNow(ready, io.now(), longest), timeout, 'the store did not list its runs');
    if (running === null) say('ok', 'store', `${storeName}: reachable, schema up to date`);
    else if (running > 2 * config.pollInterval + MARGIN) {
      // Older than two polls, but a tracker whose readings hold (`validUntil`) may wait that long.
      warned = true;
      say(
        'warn',
        'store',
        `${storeName}: reachable, schema up to date; a run on it is still open, its last poll ${duration(running)} ago: a tracker whose readings say they hold waits up to ${duration(longest)} (maxPollInterval) between polls, so one may still be running`,
      );
      writeLine(
        io.stdout,
        '  hint: if no tracker is running, nothing is in the way: `track` closes the run a crash left open',
      );
    } else {
      // Without coordination a second tracker on the same store is refused (or would interleave).
      warned = true;
      say(
        'warn',
        'store',
        `${storeName}: reachable, schema up to date; a tracker is running on it now (last poll ${Math.round(running / 1000)} s ago)`,
      );
      writeLine(
        io.stdout,
        '  hint: another tracker is writing to this store: stop it before starting `track`, or give this one its own store',
      );
    }
    if (config.coordination) {
      const leases = await makeCoordination(config, store, context);
      // Who holds a shard at the command's clock, as for the runs above: a lease that ran out (a tracker
      // that died without releasing it) is held by nobody.
      const holders = leases?.holders
        ? await within(leases.holders(io.now()), timeout, 'the lease table did not answer')
        : [];
      const held = new Map<string, number>();
      for (const h of holders) if (h.owner !== null) held.set(h.owner, (held.get(h.owner) ?? 0) + 1);
      const who = [...held].map(([owner, n]) => `${owner} (${n})`).join(', ');
      say(
        'ok',
        'trackers',
        held.size === 0
          ? 'no tracker holds a shard now'
          : `${held.size} tracking, holding ${[...held.values()].reduce((a, b) => a + b, 0)} of ${holders.length} shards: ${who}`,
      );
    }
  } catch (error) {
    failed = true;
    say('fail', 'store', `${storeName}: ${explain(error)}`);
  } finally {
    await store?.close().catch(() => {});
  }

  let provider: PresenceProvider | undefined;
  let step = 'provider';
  let watched = 0;
  try {
    provider = await config.plugins.provider.create(context);
    const ready = provider;
    if (config.users === 'discover') {
      if (!ready.discoverUsers) {
        throw new ConfigError(`the ${ready.name} provider cannot discover users: list them in "users"`);
      }
      const found = await within(
        ready.discoverUsers(),
        timeout,
        `${ready.name} did not answer within ${timeout / 1000} s`,
      );
      if (found.length === 0) warned = true;
      say(
        found.length > 0 ? 'ok' : 'warn',
        'provider',
        `${ready.name}: signed in, ${people(found.length)} visible`,
      );
      watched = found.length;
    } else {
      const keys = config.users.map((u) => u.key);
      const { resolved, unresolved } = await within(
        ready.resolveUsers(keys),
        timeout,
        `${ready.name} did not answer within ${timeout / 1000} s`,
      );
      say(
        unresolved.length === 0 ? 'ok' : resolved.length === 0 ? 'fail' : 'warn',
        'provider',
        `${ready.name}: signed in, ${resolved.length} of ${people(keys.length)} found`,
      );
      for (const u of unresolved) writeLine(io.stdout, `    not found: ${u.key} (${u.reason})`);
      if (resolved.length === 0) failed = true;
      else if (unresolved.length > 0) warned = true;
      watched = resolved.length;
      // Reading presence is a separate permission from looking people up, so try it too.
      if (resolved.length > 0) {
        step = 'presence';
        await within(
          ready.getPresence(resolved.slice(0, 1).map((u) => u.id)),
          timeout,
          `${ready.name} did not answer presence`,
        );
        say('ok', 'presence', `${ready.name}: presence can be read`);
      }
    }
    const sweepOf = ready.sweepDuration?.bind(ready);
    const sweep = sweepOf && watched > 0 ? sweepCheck(ready.name, sweepOf, watched, config) : null;
    if (sweep) {
      say(sweep.mark, 'rate limits', sweep.text);
      if (sweep.hint) writeLine(io.stdout, `  hint: ${sweep.hint}`);
      if (sweep.mark === 'warn') warned = true;
    }
    if (ready.push) {
      step = 'push';
      const check = await pushCheck(ready, config);
      say(check.ok ? 'ok' : 'fail', 'push', check.detail);
      if (check.hint) writeLine(io.stdout, `  hint: ${check.hint}`);
      if (!check.ok) failed = true;
    }
  } catch (error) {
    failed = true;
    say('fail', step, `${config.provider.type}: ${explain(error)}`);
  } finally {
    await provider?.close?.().catch(() => {});
  }

  writeLine(
    io.stdout,
    failed
      ? '\nSomething needs fixing before tracking will work.'
      : warned
        ? '\nTracking can start, but see the warnings above.'
        : '\nAll good: `presence-tracker track` is ready to run.',
  );
  return failed ? EXIT.failure : EXIT.ok;
}

/**
 * Sends the platform's handshake to the address the platform uses (the provider's first push URL, or
 * where `push.listen` listens when the provider names none). When no tracker listens there yet,
 * doctor hosts the endpoint itself for the check, so the reverse proxy is tested before tracking.
 */
async function pushCheck(
  provider: PresenceProvider,
  config: PluginConfig,
): Promise<{ ok: boolean; detail: string; hint?: string }> {
  const endpoint = pushEndpointOf(provider, config.push)!;
  const listen = config.push!.listen;
  let host: PushHost | undefined;
  try {
    host = await hostPush(endpoint, listen);
  } catch (error) {
    // In use: a tracker is listening there already, and it is the one to check.
    if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
  }
  try {
    const local = host?.url ?? `http://${listen.host}:${listen.port}${listen.path}`;
    const target = endpoint.urls[0] ?? local;
    const result = await endpoint.handshake(target);
    const who = host ? `doctor listened at ${local} for the check` : `a tracker listens at ${local}`;
    return {
      ok: result.ok,
      detail: `${result.detail} (${who})`,
      ...(!result.ok && {
        hint: `make ${target} reach ${local} (the reverse proxy's forwarding, a firewall), then run doctor again`,
      }),
    };
  } finally {
    await host?.close();
  }
}

/**
 * A provider whose rate limits let a poll read only some of the people says how long a full sweep
 * takes; when that is longer than `staleAfter`, people go stale between readings.
 */
function sweepCheck(
  name: string,
  sweepDuration: (people: number, pollInterval: number) => number,
  people: number,
  config: PluginConfig,
): { mark: 'ok' | 'warn'; text: string; hint?: string } | null {
  const { pollInterval } = config;
  const sweep = sweepDuration(people, pollInterval);
  if (sweep <= pollInterval) return null;
  // The tracker's own default when the configuration sets none.
  const staleAfter = config.policy?.staleAfter ?? 3 * pollInterval;
  const who = `${people} ${people === 1 ? 'person' : 'people'}`;
  if (sweep <= staleAfter) {
    return {
      mark: 'ok',
      text: `${name}: each of ${who} is read every ${duration(sweep)} (staleAfter ${duration(staleAfter)})`,
    };
  }
  return {
    mark: 'warn',
    text: `${name}: its rate limits let it read ${who} once every ${duration(sweep)} at a poll every ${duration(pollInterval)}, but staleAfter is ${duration(staleAfter)}: people would go stale between readings`,
    hint: `set policy.staleAfter to ${duration(sweep + pollInterval)} or more, or watch fewer people`,
  };
}

function duration(ms: number): string {
  if (ms < 120_000) return `${Math.round(ms / 1000)} s`;
  if (ms < 2 * 3600_000) return `${Math.round(ms / 60_000)} min`;
  return `${(ms / 3600_000).toFixed(1)} h`;
}

/** Beyond two poll intervals, how late a running tracker's poll may still be. */
const MARGIN = 30_000;

/**
 * How long ago a tracker that may still be running polled this store, or `null` when none may be. A
 * run left open by a crash stops polling, so only a recent poll counts: within two of the longest gaps
 * a tracker leaves between polls (`longest`) and a margin.
 */
async function runningNow(store: PresenceStore, now: Date, longest: number): Promise<number | null> {
  const { runs } = await store.openState({ userIds: [] });
  const ages = runs.map((r) => now.getTime() - (r.lastPollAt ?? r.startedAt).getTime());
  const recent = ages.filter((age) => age <= 2 * longest + MARGIN);
  return recent.length === 0 ? null : Math.max(0, Math.min(...recent));
}

async function builtinStore(type: string) {
  const load = (BUILTIN_PLUGINS.store as Record<string, (() => unknown) | undefined>)[type];
  return load?.();
}

function within<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}
