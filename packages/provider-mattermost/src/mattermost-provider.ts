import type { UserProfile } from '@mattermost/types/users';
import {
  type PresenceProvider,
  type PresenceSample,
  ProviderError,
  type ResolvedUser,
  type ResolveResult,
} from '@presence-tracker/core';
import { chunk, mapLimit } from './batch.ts';
import { connect, PROVIDER, segment } from './client.ts';
import { Directory, type Member } from './directory.ts';
import { isId, type MattermostAuth, type MattermostProviderOptions, resolveOptions } from './options.ts';
import { toSample } from './status.ts';
import { subscribeToOwnStatus } from './subscribe.ts';

export type MattermostProvider = PresenceProvider & {
  discoverUsers(): Promise<ResolvedUser[]>;
  close(): Promise<void>;
};

/**
 * Mattermost status for named people, for the members of given teams or channels, or for everyone
 * the account can see. Statuses are read in batches through `POST /api/v4/users/status/ids`, so a
 * poll of thousands of people costs a handful of requests.
 */
export function mattermostProvider(
  auth: MattermostAuth,
  options: MattermostProviderOptions = {},
): MattermostProvider {
  const resolved = resolveOptions(auth, options);
  const connection = connect(resolved);
  const { client } = connection;
  const directory = new Directory(client, resolved);
  const scoped = resolved.teams !== undefined || resolved.channels !== undefined;

  /** Why a profile is not tracked, or `null` when it is. */
  const excluded = (p: UserProfile): string | null => {
    if (p.is_bot && !resolved.includeBots) return 'is a bot account (set includeBots to track bots)';
    if (p.delete_at > 0 && !resolved.includeDeactivated) {
      return 'is deactivated (set includeDeactivated to track deactivated accounts)';
    }
    return null;
  };

  const toUser = (key: string, p: UserProfile, member?: Member): ResolvedUser => {
    const fullName = [p.first_name, p.last_name].filter(Boolean).join(' ');
    return {
      key,
      id: p.id,
      displayName: fullName || p.nickname || p.username,
      ...(p.email ? { email: p.email } : {}),
      ...(member && member.groups.length > 0 ? { groups: member.groups } : {}),
    };
  };

  const provider: MattermostProvider = {
    name: PROVIDER,

    async resolveUsers(keys: string[]): Promise<ResolveResult> {
      if (keys.length === 0) return { resolved: [], unresolved: [] };
      const found = new Map<string, UserProfile>();
      const unresolved: ResolveResult['unresolved'] = [];
      const emails = keys.filter((k) => k.includes('@') && !k.startsWith('@'));
      const names = keys.filter((k) => !emails.includes(k));
      const username = (k: string) => (k.startsWith('@') ? k.slice(1) : k).toLowerCase();

      for (const batch of chunk([...new Set(names.map(username))], resolved.batchSize)) {
        const profiles = await client.getProfilesByUsernames(batch);
        directory.remember(profiles);
        for (const p of profiles) found.set(`name:${p.username.toLowerCase()}`, p);
      }
      // A key that names no username may still be a user id.
      const maybeIds = names.filter((k) => !found.has(`name:${username(k)}`) && isId(k));
      if (maybeIds.length > 0) {
        for (const [id, p] of await directory.profilesOf(maybeIds)) found.set(`id:${id}`, p);
      }
      /** Why the server would not look an e-mail key up, by key. */
      const refused = new Map<string, string>();
      await mapLimit(emails, resolved.concurrency, async (email) => {
        try {
          const p = await client.getUserByEmail(segment(email));
          directory.remember([p]);
          found.set(`email:${email.toLowerCase()}`, p);
        } catch (error) {
          if (!ProviderError.isInstance(error)) throw error;
          // 403: the server hides e-mail addresses from this account. 400: it refused this address.
          // Either concerns this key alone, which stays unresolved; anything else fails the call.
          if (error.status === 403) {
            refused.set(
              email,
              'the server does not let this account look people up by e-mail; use the username',
            );
          } else if (error.status === 400) {
            const said = error.details?.serverMessage;
            const why = typeof said === 'string' && said ? `: ${said}` : '';
            refused.set(email, `the server refused this e-mail address (400${why})`);
          } else if (error.status !== 404) throw error;
        }
      });

      const members = scoped ? await directory.members() : null;
      const result: ResolvedUser[] = [];
      for (const key of keys) {
        const p = emails.includes(key)
          ? found.get(`email:${key.toLowerCase()}`)
          : (found.get(`name:${username(key)}`) ?? found.get(`id:${key}`));
        if (!p) {
          unresolved.push({
            key,
            reason:
              refused.get(key) ??
              (emails.includes(key)
                ? 'no Mattermost user the account can see has this e-mail address'
                : 'no Mattermost user has this username or id'),
          });
          continue;
        }
        const why = excluded(p);
        if (why) unresolved.push({ key, reason: `${p.username} ${why}` });
        else result.push(toUser(key, p, members?.get(p.id)));
      }
      return { resolved: result, unresolved };
    },

    async discoverUsers(): Promise<ResolvedUser[]> {
      const members = await directory.members();
      const users: ResolvedUser[] = [];
      for (const member of members.values()) {
        if (excluded(member.profile) === null)
          users.push(toUser(member.profile.username, member.profile, member));
      }
      return users.sort((a, b) => a.key.localeCompare(b.key));
    },

    async getPresence(userIds: string[]): Promise<PresenceSample[]> {
      // The server rejects a whole batch for one id that is not 26 characters; such ids name nobody.
      let ids = [...new Set(userIds)].filter(isId);
      if (ids.length === 0) return [];
      if (!resolved.includeBots || !resolved.includeDeactivated) {
        const profiles = await directory.profilesOf(ids);
        ids = ids.filter((id) => {
          const p = profiles.get(id);
          return p !== undefined && excluded(p) === null;
        });
      }
      const batches = await mapLimit(chunk(ids, resolved.batchSize), resolved.concurrency, async (batch) => {
        const statuses = await client.getStatusesByIds(batch);
        const observedAt = resolved.clock.now();
        return statuses.map((s) => toSample(s, observedAt));
      });
      return batches.flat();
    },

    async close() {
      await Promise.all([...subscriptions].map((s) => s.close()));
      directory.clear();
      await connection.close();
    },
  };
  const subscriptions = new Set<{ close(): Promise<void> }>();
  if (resolved.pushOwnStatus) {
    provider.subscribe = async (userIds, onSamples) => {
      const subscription = await subscribeToOwnStatus(connection, resolved, userIds, onSamples);
      subscriptions.add(subscription);
      return {
        close: async () => {
          subscriptions.delete(subscription);
          await subscription.close();
        },
      };
    };
  }
  return provider;
}
