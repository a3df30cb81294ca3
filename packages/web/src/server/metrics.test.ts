import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sqliteStore } from '@presence-tracker/store-sqlite';
import { describe, expect, it } from 'vitest';
import { contract } from './__fixtures__/contract.ts';
import { trackTeam } from './__fixtures__/simulated-team.ts';
import { createDashboard } from './dashboard.ts';

/** The value of one sample line, e.g. `presence_tracker_polls_total{outcome="ok"}`. */
function value(text: string, name: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.slice(name.length + 1));
}

describe('/metrics', () => {
  it("counts the tracker's polls and samples, and reads open sessions and the last poll from the store", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'web-metrics-'));
    const store = sqliteStore({ path: join(dir, 'presence.db') });
    const team = await trackTeam(store, { users: 4, from: '2026-03-02T09:00:00Z', minutes: 10 });
    const { app } = createDashboard({
      store,
      tracker: team.tracker,
      now: () => team.clock.now(),
      notifiers: ['hook'],
    });
    await team.tracker.runOnce();
    team.clock.advance(60_000);
    await team.tracker.runOnce();

    const res = await app.request('/metrics');
    expect(await contract().check('GET', '/metrics', res)).toEqual([]);
    const text = await res.text();
    expect(value(text, 'presence_tracker_polls_total{outcome="ok"}')).toBe(2);
    expect(value(text, 'presence_tracker_samples_total')).toBe(8);
    expect(value(text, 'presence_tracker_poll_duration_seconds_count')).toBe(2);
    const open = (await store.openState()).sessions.length;
    expect(value(text, 'presence_tracker_open_sessions')).toBe(open);
    expect(value(text, 'presence_tracker_last_poll_timestamp_seconds')).toBe(
      Date.parse('2026-03-02T09:11:00Z') / 1000,
    );
    expect(value(text, 'presence_tracker_outbox_backlog{notifier="hook"}')).toBe(0);
    expect(value(text, 'presence_tracker_provider_errors_total')).toBe(0);
    await team.tracker.stop();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });
});
