import { ProviderError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import type { ResolvedUser } from '../model.ts';
import type { PresenceProvider, ResolveResult } from '../provider/index.ts';

/** One platform's accounts of the people asked about, by person id. */
export interface FoundOn {
  found: Map<string, ResolvedUser>;
  unresolved: ResolveResult['unresolved'];
}

/**
 * Whom a combined provider discovers, and on which platform each of them is. A combined person is
 * known by one key on every platform, and the only key platforms share is the e-mail address: so each
 * platform that can discover lists its accounts, each account with an e-mail address is a person (the
 * address lower-cased is their id, the same whichever platform listed them first), and accounts without
 * one are left out, since nothing could tell them apart from someone else's account on another
 * platform. A platform that listed accounts is taken at its word: the people it did not list are not
 * on it. A platform that cannot discover, or whose listing failed, is asked to resolve the addresses,
 * as `resolveUsers` asks every platform. Fails only when no platform could list anyone.
 *
 * Answers as `resolveUsers`'s per-platform outcomes, in the order of `platforms`, for the same settling.
 */
export async function discoverAcross(options: {
  name: string;
  platforms: readonly (readonly [string, PresenceProvider])[];
  resolveOn(provider: PresenceProvider, keys: Map<string, string>): Promise<FoundOn>;
  onFailure(platform: string, error: unknown): void;
  logger: Logger;
}): Promise<{ asked: Map<string, string>; outcomes: PromiseSettledResult<FoundOn>[] }> {
  const { name, platforms, logger } = options;
  const listing = platforms.filter(([, p]) => p.discoverUsers);
  const listed = await Promise.allSettled(listing.map(([, p]) => p.discoverUsers!()));
  if (listed.every((o) => o.status === 'rejected')) {
    const reasons = listed.map((o) => (o as PromiseRejectedResult).reason as Error | undefined);
    throw new ProviderError(
      name,
      `no platform could discover people: ${listing.map(([p], i) => `${p}: ${reasons[i]?.message}`).join('; ')}`,
      { cause: reasons[0] },
    );
  }
  const asked = new Map<string, string>();
  const accounts = new Map<string, Map<string, ResolvedUser>>();
  listed.forEach((outcome, i) => {
    const [platform] = listing[i]!;
    if (outcome.status === 'rejected') {
      options.onFailure(platform, outcome.reason);
      return;
    }
    const mine = new Map<string, ResolvedUser>();
    let withoutEmail = 0;
    for (const account of outcome.value) {
      const email = account.email?.trim();
      if (!email) {
        withoutEmail++;
        continue;
      }
      const personId = email.toLowerCase();
      asked.set(personId, personId);
      if (!mine.has(personId)) mine.set(personId, account);
    }
    accounts.set(platform, mine);
    if (withoutEmail > 0) {
      logger.warn(
        { platform, accounts: withoutEmail },
        'accounts without an e-mail address left out: a combined person is matched by e-mail address',
      );
    }
  });
  const outcomes = await Promise.allSettled(
    platforms.map(async ([platform, provider]): Promise<FoundOn> => {
      const mine = accounts.get(platform);
      if (mine) return { found: mine, unresolved: [] };
      if (asked.size === 0) return { found: new Map(), unresolved: [] };
      return options.resolveOn(provider, asked);
    }),
  );
  return { asked, outcomes };
}
