import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTracker, simulatedProvider } from '@presence-tracker/core';
import { trustTestCertificate } from '@presence-tracker/provider-graph/testing';
import { makeData, startFakeServer } from '@presence-tracker/provider-mattermost/testing';
import { fakeSlackUsers, startFakeSlack } from '@presence-tracker/provider-slack/testing';
import { sqliteStore } from '@presence-tracker/store-sqlite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, invoke } from '../__fixtures__/invoke.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'presence-doctor-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function configIn(name: string, config: unknown): Promise<string> {
  const cwd = join(dir, name);
  await mkdir(cwd, { recursive: true });
  await writeFile(join(cwd, 'presence-tracker.json'), JSON.stringify(config));
  return cwd;
}

describe('doctor', () => {
  it('does not say "All good" while another tracker is writing to the store', async () => {
    const cwd = await configIn('running', {
      provider: { type: 'simulated', users: 3, seed: 2 },
      store: { type: 'sqlite', path: 'busy.db' },
      users: 'discover',
    });
    const store = sqliteStore({ path: join(cwd, 'busy.db') });
    const tracker = createTracker({
      provider: simulatedProvider({ users: 3, seed: 2 }),
      store,
      users: 'discover',
    });
    try {
      await tracker.runOnce();
      const result = await invoke(['doctor'], cwd, {}, new Date());
      expect(result.stdout).toMatch(
        /! store +sqlite .*busy\.db: reachable, schema up to date; a tracker is running on it now \(last poll \d+ s ago\)/,
      );
      expect(result.stdout).toMatch(/hint: another tracker is writing to this store/);
      expect(result.stdout).not.toMatch(/All good/);
      expect(result.stdout).toMatch(/Tracking can start, but see the warnings above/);
      expect(result.code).toBe(0);
    } finally {
      await tracker.stop();
      await store.close();
    }
    // Once it stopped, nothing is in the way.
    const after = await invoke(['doctor'], cwd, {}, new Date());
    expect(after.stdout).toMatch(/✔ store +sqlite .*busy\.db: reachable, schema up to date\n/);
    expect(after.stdout).toMatch(/All good/);
  }, 60_000);

  it('says a tracker may still be running while its open run is within the longest wait between polls', async () => {
    const cwd = await configIn('waiting', {
      provider: { type: 'simulated', users: 3, seed: 2 },
      store: { type: 'sqlite', path: 'waiting.db' },
      users: 'discover',
      pollInterval: 60_000,
      maxPollInterval: 600_000,
    });
    const store = sqliteStore({ path: join(cwd, 'waiting.db') });
    const tracker = createTracker({
      provider: simulatedProvider({ users: 3, seed: 2 }),
      store,
      users: 'discover',
    });
    try {
      const polled = (await tracker.runOnce()).at.getTime();
      // Five minutes on: past two poll intervals, within two of maxPollInterval.
      const waiting = await invoke(['doctor'], cwd, {}, new Date(polled + 5 * 60_000));
      expect(waiting.stdout).toMatch(
        /! store +sqlite .*waiting\.db: reachable, schema up to date; a run on it is still open, its last poll 5 min ago: a tracker whose readings say they hold waits up to 10 min \(maxPollInterval\) between polls, so one may still be running/,
      );
      expect(waiting.stdout).toMatch(/hint: if no tracker is running, nothing is in the way/);
      expect(waiting.stdout).not.toMatch(/All good/);
      // Past two of maxPollInterval and the margin, an open run is one a crash left: nothing is in the way.
      const gone = await invoke(['doctor'], cwd, {}, new Date(polled + 21 * 60_000));
      expect(gone.stdout).toMatch(/✔ store +sqlite .*waiting\.db: reachable, schema up to date\n/);
      expect(gone.stdout).toMatch(/All good/);
    } finally {
      await tracker.stop();
      await store.close();
    }
  }, 60_000);

  it('does not say "All good" when some users were not found', async () => {
    const server = await startFakeServer(makeData({ users: 2, channels: 1, teams: 1 }));
    try {
      const cwd = await configIn('missing-user', {
        provider: { type: 'mattermost', url: server.url, loginId: 'tracker', password: 'secret-pw' },
        store: { type: 'memory' },
        users: ['user0', 'nobody'],
      });
      const result = await invoke(['doctor'], cwd);
      expect(result.stdout).toMatch(/! provider +mattermost: signed in, 1 of 2 people found/);
      expect(result.stdout).toMatch(/not found: nobody/);
      expect(result.stdout).not.toMatch(/All good/);
      expect(result.stdout).toMatch(/Tracking can start, but see the warnings above/);
      expect(result.code).toBe(0);
    } finally {
      await server.close();
    }
  }, 60_000);

  it('says the sign-in endpoint does not answer, not that it refused the credentials', async () => {
    trustTestCertificate();
    const port = await freePort();
    const cwd = await configIn('graph-down', {
      provider: {
        type: 'graph',
        tenantId: 'contoso',
        clientId: '0f0f0f0f-1111-4222-8333-444444444444',
        clientSecret: 'a-secret',
        authority: `https://127.0.0.1:${port}/contoso`,
        disableInstanceDiscovery: true,
        baseUrl: `https://127.0.0.1:${port}`,
        retry: { attempts: 1 },
      },
      store: { type: 'memory' },
      users: ['ada@contoso.com'],
    });
    const result = await invoke(['doctor', '--timeout', '20'], cwd);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/✘ provider +graph: /);
    expect(result.stdout).toMatch(/hint: the sign-in service did not answer: check the network/);
    expect(result.stdout).not.toMatch(/refused the credentials/);
  }, 60_000);

  describe('a provider whose rate limits spread people over polls', () => {
    it('warns when a full sweep takes longer than staleAfter, and says what to set', async () => {
      const slack = await startFakeSlack({ users: fakeSlackUsers(200) });
      try {
        const provider = { type: 'slack', token: { env: 'SLACK_TOKEN' }, baseUrl: slack.url };
        const env = { SLACK_TOKEN: 'xoxb-test' };
        const slow = await configIn('slack-sweep', {
          provider,
          store: { type: 'memory' },
          users: 'discover',
        });
        const result = await invoke(['doctor'], slow, env);
        expect(result.stdout).toMatch(/✔ provider +slack: signed in, 200 people visible/);
        expect(result.stdout).toMatch(
          /! rate limits +slack: its rate limits let it read 200 people once every 4 min at a poll every 60 s, but staleAfter is 3 min/,
        );
        expect(result.stdout).toMatch(/hint: set policy.staleAfter to 5 min or more, or watch fewer people/);
        expect(result.stdout).not.toMatch(/All good/);
        expect(result.stdout).not.toContain('xoxb-test');

        const fine = await configIn('slack-sweep-ok', {
          provider,
          store: { type: 'memory' },
          users: 'discover',
          policy: { staleAfter: 300_000 },
        });
        const ok = await invoke(['doctor'], fine, env);
        expect(ok.stdout).toMatch(
          /✔ rate limits +slack: each of 200 people is read every 4 min \(staleAfter 5 min\)/,
        );
        expect(ok.stdout).toMatch(/All good/);
      } finally {
        await slack.close();
      }
    }, 60_000);

    it('names a missing Slack scope in plain words', async () => {
      const slack = await startFakeSlack({ tokens: { 'xoxb-test': ['users:read'] } });
      try {
        const cwd = await configIn('slack-scope', {
          provider: { type: 'slack', token: { env: 'SLACK_TOKEN' }, baseUrl: slack.url },
          store: { type: 'memory' },
          users: ['spengler@ghostbusters.example.com'],
        });
        const result = await invoke(['doctor'], cwd, { SLACK_TOKEN: 'xoxb-test' });
        expect(result.stdout).toMatch(
          /✘ provider +slack: the Slack token lacks the users:read.email scope \(to look people up by e-mail address\)/,
        );
        expect(result.stdout).toMatch(/hint: the account is signed in but not allowed/);
        expect(result.code).toBe(1);
      } finally {
        await slack.close();
      }
    }, 60_000);
  });
});
