import type { PresenceStore, Status } from '@presence-tracker/core';
import { isoFormatter } from './json.ts';

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
 * of people (the users, and what is open now), then one pass over them. The instants of the open
 * intervals repeat (everyone a poll saw shares its instant), so each is formatted once.
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
  const available = new Set(options.availableStatuses);
  const iso = isoFormatter();
  const people: Person[] = [];
  for (const u of users) {
    if (wanted && !wanted.has(u.id)) continue;
    const now = current.get(u.id);
    // Built in the order the API has always written its fields.
    const person = { id: u.id, key: u.key } as Person;
    if (u.displayName) person.displayName = u.displayName;
    if (u.email) person.email = u.email;
    person.groups = u.groups ?? [];
    person.status = now ? now.status : null;
    person.since = now ? iso(now.startedAt) : null;
    person.lastSeenAt = now ? iso(now.lastSeenAt) : null;
    person.reachable = now !== undefined && available.has(now.status);
    people.push(person);
  }
  return people;
}
