import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeData, startFakeServer } from '@presence-tracker/provider-mattermost/testing';
import { fakeSlackUsers, startFakeSlack } from '@presence-tracker/provider-slack/testing';
import { sqliteStore } from '@presence-tracker/store-sqlite';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { invoke } from './__fixtures__/invoke.ts';

/* A combined provider with `users: 'discover'`: Mattermost's and Slack's own clients against their fakes. */

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'presence-combine-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

it('discovers everyone on Mattermost and Slack as one person per e-mail address, and tracks them', async () => {
  const mattermost = await startFakeServer(makeData({ users: 3, channels: 1, teams: 1 }));
  // Slack knows two of the Mattermost people under their addresses (one spelt in capitals), someone
  // else, and an account without an address.
  const [one, two, three, four] = fakeSlackUsers(4) as [
    ReturnType<typeof fakeSlackUsers>[number],
    ...ReturnType<typeof fakeSlackUsers>,
  ];
  const slackUsers = [
    { ...one, profile: { ...one.profile, email: 'user1@example.com' } },
    { ...two!, profile: { ...two!.profile, email: 'USER2@example.com' } },
    three!,
    { ...four!, profile: { real_name: 'Person 4', display_name: 'person4' } },
  ];
  const slack = await startFakeSlack({ users: slackUsers });
  try {
    const config = join(dir, 'presence-tracker.json');
    await writeFile(
      config,
      JSON.stringify({
        provider: {
          type: 'combine',
          providers: {
            chat: { type: 'mattermost', url: mattermost.url, loginId: 'tracker', password: 'secret-pw' },
            slack: { type: 'slack', token: { env: 'SLACK_TOKEN' }, baseUrl: slack.url },
          },
        },
        store: { type: 'sqlite', path: 'combined.db' },
        users: 'discover',
      }),
    );
    const env = { SLACK_TOKEN: 'xoxb-test' };
    const now = new Date();
    const tracked = await invoke(['track', '--once'], dir, env, now);
    expect(tracked.code, tracked.stderr).toBe(0);

    const store = sqliteStore({ path: join(dir, 'combined.db'), readOnly: true });
    try {
      const users = await store.users();
      const mattermostPeople = ['user0@example.com', 'user1@example.com', 'user2@example.com'];
      const ids = users.map((u) => u.id).sort();
      // Everyone with an address, once: the two on both platforms are one person each.
      expect(ids.filter((id) => id !== 'tracker@example.com')).toEqual(
        [...mattermostPeople, 'person3@example.com'].sort(),
      );
      expect(ids).not.toContain('person4');
      // The name the first platform (Mattermost) gives.
      const user1 = users.find((u) => u.id === 'user1@example.com')!;
      expect(user1.displayName).toBe('User 1');
      // Each person was read on every platform that knows them, merged by the default rule: Slack's
      // active wins over Mattermost's away (user1), Mattermost's do-not-disturb over Slack's active (user2).
      const open = await store.openState();
      const status = Object.fromEntries(open.intervals.map((i) => [i.userId, i.status]));
      expect(status).toMatchObject({
        'user0@example.com': 'available',
        'user1@example.com': 'available',
        'user2@example.com': 'dnd',
        'person3@example.com': 'available',
      });
    } finally {
      await store.close();
    }

    const checked = await invoke(['doctor'], dir, env, now);
    expect(checked.stdout).toMatch(/✔ provider +combine: signed in, \d+ people visible/);
  } finally {
    await slack.close();
    await mattermost.close();
  }
}, 60_000);
