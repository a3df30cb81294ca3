import { useJson } from '../api/client.ts';
import { useChanges } from '../api/events.ts';
import { type People, type Person, personName } from '../api/types.ts';
import { Notice } from '../components/notice.tsx';
import { StatusBadge } from '../components/status.tsx';
import { href, type Route, setParams } from '../router.ts';
import { formatDuration, formatTime } from '../time/zone.ts';

const ORDER = ['available', 'busy', 'dnd', 'away', 'offline', 'unknown'];

/** Who is reachable now, by team or channel, read again whenever the tracker opens or closes an interval. */
export function NowPage({ route, zone }: { route: Route; zone: string }) {
  const changes = useChanges((change) => change.type === 'interval');
  const people = useJson<People>('/api/v1/people', {}, changes);
  const onlyReachable = route.params.get('only') === 'reachable';
  const list = people.data?.people ?? [];
  const reachable = list.filter((p) => p.reachable).length;
  const groups = groupPeople(onlyReachable ? list.filter((p) => p.reachable) : list);
  const now = people.data ? new Date(people.data.at) : new Date();

  return (
    <>
      <div class="toolbar">
        <p class="summary" aria-live="polite">
          <strong>{reachable}</strong> of {list.length} reachable
        </p>
        <label class="check">
          <input
            type="checkbox"
            checked={onlyReachable}
            onChange={(e) => setParams(route, { only: e.currentTarget.checked ? 'reachable' : undefined })}
          />
          Only people who are reachable
        </label>
      </div>
      <Notice loading={people.loading && !people.data} error={people.error} empty={list.length === 0}>
        Nobody is tracked yet.
      </Notice>
      {groups.map((group) => (
        <section key={group.key} class="group" aria-labelledby={`group-${group.key}`}>
          <h2 id={`group-${group.key}`}>
            {group.name} <span class="count">({group.people.length})</span>
          </h2>
          <ul class="people">
            {group.people.map((person) => (
              <li
                key={person.id}
                class="person"
                data-user={person.id}
                data-status={person.status ?? 'unobserved'}
              >
                <a
                  class="name"
                  href={href(
                    `/people/${encodeURIComponent(person.id)}`,
                    route.params.has('zone') ? { zone } : {},
                  )}
                >
                  {personName(person)}
                </a>
                <StatusBadge status={person.status} />
                {person.since && (
                  <span class="since">
                    since {formatTime(new Date(person.since), zone)}
                    <span class="muted"> ({formatDuration(now.getTime() - Date.parse(person.since))})</span>
                  </span>
                )}
              </li>
            ))}
          </ul>
        </section>
      ))}
    </>
  );
}

interface PeopleGroup {
  key: string;
  name: string;
  people: Person[];
}

/** Each group (team, channel) with its people, reachable first; people in no group under "Everyone". */
function groupPeople(people: readonly Person[]): PeopleGroup[] {
  const groups = new Map<string, PeopleGroup>();
  for (const person of people) {
    const memberships = person.groups.length ? person.groups : [undefined];
    for (const group of memberships) {
      const key = group ? `${group.kind}-${group.id}` : 'everyone';
      const name = group ? `${group.name ?? group.id} (${group.kind})` : 'Everyone';
      let found = groups.get(key);
      if (!found) {
        found = { key: key.replace(/[^\w-]/g, '_'), name, people: [] };
        groups.set(key, found);
      }
      found.people.push(person);
    }
  }
  const rank = (p: Person) => (p.reachable ? -1 : p.status === null ? ORDER.length : ORDER.indexOf(p.status));
  for (const group of groups.values()) {
    group.people.sort((a, b) => rank(a) - rank(b) || personName(a).localeCompare(personName(b)));
  }
  return [...groups.values()].sort((a, b) => a.name.localeCompare(b.name));
}
