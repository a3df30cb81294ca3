import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '@presence-tracker/core';
import { type FakeSlack, fakeSlackUsers, startFakeSlack } from '@presence-tracker/provider-slack/testing';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { setUp } from './main.ts';

let slack: FakeSlack;
let dir: string;
beforeAll(async () => {
  slack = await startFakeSlack({ users: fakeSlackUsers(120) });
  dir = mkdtempSync(join(tmpdir(), 'slack-tracker-'));
});
afterAll(async () => {
  await slack.close();
  rmSync(dir, { recursive: true, force: true });
});

test('discovers everyone, sets staleAfter above a full sweep, and records what one poll read', async () => {
  slack.presence.set('U0000002', 'away');
  const run = await setUp(
    {
      SLACK_TOKEN: 'xoxb-test',
      SLACK_API_URL: slack.url,
      DATABASE: join(dir, 'slack.db'),
      POLL_SECONDS: '60',
    },
    silentLogger,
  );
  try {
    expect(run.people).toBe(120);
    // 120 people at 50 calls a minute: three minutes a sweep, plus a poll's margin.
    expect(run.staleAfter).toBe(4 * 60_000);
    await run.tracker.runOnce();
    const now = new Date();
    const intervals = await run.store.intervals({ from: new Date(now.getTime() - 60_000), to: now });
    expect(intervals).toHaveLength(50);
    expect(intervals.find((i) => i.userId === 'U0000002')?.status).toBe('away');
    await run.tracker.stop();
  } finally {
    await run.store.close();
    await run.provider.close();
  }
});

test('names a missing token', async () => {
  await expect(setUp({}, silentLogger)).rejects.toThrow(/SLACK_TOKEN/);
});
