import { manualClock, silentLogger } from '@presence-tracker/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import plugin, { slack } from './index.ts';
import { type FakeSlack, startFakeSlack } from './testing/index.ts';

let fake: FakeSlack;
beforeAll(async () => {
  fake = await startFakeSlack({ limits: false });
});
afterAll(() => fake.close());

describe('the slack plugin', () => {
  it('is the default export, named slack', () => {
    expect(plugin).toBe(slack);
    expect([plugin.kind, plugin.name]).toEqual(['provider', 'slack']);
  });

  it('lists every wrong option by path, never the token', async () => {
    const result = await plugin.options['~standard'].validate({
      token: 'xoxb-secret',
      baseUrl: 'not a url',
      includeBots: 'yes',
      rateLimits: { 'users.getPresence': 0, 'users.nothing': 1 },
    });
    const issues = 'issues' in result ? (result.issues ?? []) : [];
    const paths = issues.map((i) =>
      (i.path ?? []).map((k) => String(typeof k === 'object' ? k.key : k)).join('.'),
    );
    expect(paths.sort()).toEqual(
      ['baseUrl', 'includeBots', 'rateLimits', 'rateLimits.users.getPresence'].sort(),
    );
    expect(JSON.stringify(issues)).not.toContain('xoxb-secret');
  });

  it("creates a provider on the tracker's clock", async () => {
    const clock = manualClock('2026-03-02T09:00:00Z');
    const options = await plugin.options['~standard'].validate({ token: 'xoxb-test', baseUrl: fake.url });
    if (!('value' in options)) throw new Error('options refused');
    const provider = await plugin.create(options.value, {
      baseDir: '.',
      env: {},
      logger: silentLogger,
      clock,
    });
    const samples = await provider.getPresence(['U012A3CDE']);
    expect(samples.map((s) => [s.status, s.observedAt.toISOString()])).toEqual([
      ['available', '2026-03-02T09:00:00.000Z'],
    ]);
  });
});
