import { mattermostProvider } from '@presence-tracker/provider-mattermost';
import { makeData, startFakeServer } from '@presence-tracker/provider-mattermost/testing';
import { type BenchRow, measure } from './lib.ts';

const USERS = 5000;
const CHANNELS = 40;
const TOKEN = 'personal-access-token';

/**
 * One poll of 5,000 users in 40 channels against the fake Mattermost server on loopback: the
 * provider's batched status requests, beside the Mattermost tracker's way (walk every team and
 * channel, then one status request per channel), measured in the same run.
 */
export default async function mattermost(): Promise<BenchRow[]> {
  const server = await startFakeServer(makeData({ users: USERS, channels: CHANNELS, teams: 2, perUser: 4 }));
  try {
    const provider = mattermostProvider({ url: server.url, token: TOKEN });
    server.resetCounts();
    const users = await provider.discoverUsers();
    const ids = users.map((u) => u.id);
    const discoveryRequests = server.log.length;

    const count = async (poll: () => Promise<unknown>) => {
      server.resetCounts();
      await poll();
      return { all: server.log.length, status: server.count('POST /api/v4/users/status/ids') };
    };

    const newPoll = () => provider.getPresence(ids);
    const oldPoll = () => oldTrackerPoll(server.url);

    const cronRun = async () => {
      const fresh = mattermostProvider({ url: server.url, token: TOKEN });
      await fresh.getPresence((await fresh.discoverUsers()).map((u) => u.id));
      await fresh.close();
    };
    const firstPoll = await count(cronRun);

    const n = await count(newPoll);
    const o = await count(oldPoll);
    const newMs = await measure(newPoll, 2000, 5);
    const oldMs = await measure(oldPoll, 2000, 5);
    const cronMs = await measure(cronRun, 2000, 5);
    await provider.close();

    const label = `${USERS.toLocaleString('en-US')} users, ${CHANNELS} channels`;
    const old = 'one status request per channel';
    return [
      {
        name: `status requests per poll, ${label}`,
        value: n.status,
        unit: 'requests/poll',
        baseline: { name: old, value: o.status },
      },
      {
        name: `all requests per poll (lists cached), ${label}`,
        value: n.all,
        unit: 'requests/poll',
        baseline: { name: `${old}, walking teams and channels each poll`, value: o.all },
      },
      {
        name: `requests for a cron run's first poll (walk + statuses), ${label}`,
        value: firstPoll.all,
        unit: 'requests/poll',
        baseline: { name: old, value: o.all },
        note: `discovery alone: ${discoveryRequests} requests`,
      },
      {
        name: `poll-cycle time, ${label}`,
        value: newMs,
        unit: 'ms',
        baseline: { name: old, value: oldMs },
        note: 'median, fake server on 127.0.0.1',
      },
      {
        name: `cron run's first poll time (walk + statuses), ${label}`,
        value: cronMs,
        unit: 'ms',
        baseline: { name: old, value: oldMs },
        note: 'median; includes every profile, bots and deactivated left out',
      },
    ];
  } finally {
    await server.close();
  }
}

/** The Mattermost tracker's poll: every team, every channel, its members, then their statuses per channel. */
async function oldTrackerPoll(url: string): Promise<number> {
  const api = async <T>(path: string, body?: unknown): Promise<T> => {
    const response = await fetch(`${url}/api/v4${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    if (!response.ok) throw new Error(`${path}: ${response.status}`);
    return (await response.json()) as T;
  };
  let samples = 0;
  for (const team of await api<{ id: string }[]>('/users/me/teams')) {
    for (let page = 0; ; page++) {
      const channels = await api<{ id: string }[]>(`/teams/${team.id}/channels?page=${page}&per_page=200`);
      for (const channel of channels) {
        const members: string[] = [];
        for (let p = 0; ; p++) {
          const list = await api<{ user_id: string }[]>(
            `/channels/${channel.id}/members?page=${p}&per_page=200`,
          );
          members.push(...list.map((m) => m.user_id));
          if (list.length < 200) break;
        }
        samples += (await api<unknown[]>('/users/status/ids', members)).length;
      }
      if (channels.length < 200) break;
    }
  }
  return samples;
}
