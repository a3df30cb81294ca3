import type { PresenceStore, Status } from '@presence-tracker/core';

export interface Person {
  id: string;
  key: string;
  displayName?: string;
  email?: string;
  groups: { kind: string; id: string; name?: string }[];
  status: Status | null;
  since: string | null;
  lastSeenAt: string | null;
  reachable: boolean;
}

/**
 * Everyone the store knows, with the status of their open interval: two reads whatever the number
 * of people (the users, and what is open now).
 */
export async function readPeople(
  store: PresenceStore,
  options: { userIds?: readonly string[]; availableStatuses: readonly Status[] },
): Promise<Person[]> {
  const [users, open] = await Promise.all([
    store.users(),
    store.openState(options.userIds ? { userIds: options.userIds } : undefined),
  ]);
  const current = new Map(open.intervals.map((i) => [i.userId, i]));
  const wanted = options.userIds && new Set(options.userIds);
  return users
    .filter((u) => !wanted || wanted.has(u.id))
    .map((u) => {
      const now = current.get(u.id);
      return {
        id: u.id,
        key: u.key,
        ...(u.displayName && { displayName: u.displayName }),
        ...(u.email && { email: u.email }),
        groups: u.groups ?? [],
        status: now?.status ?? null,
        since: now ? now.startedAt.toISOString() : null,
        lastSeenAt: now ? now.lastSeenAt.toISOString() : null,
        reachable: now !== undefined && options.availableStatuses.includes(now.status),
      };
    });
}
