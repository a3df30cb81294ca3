import { expect, test } from 'vitest';
import { manualClock } from '../clock.ts';
import { providerConformance } from '../testing/index.ts';
import { simulatedProvider } from './simulated.ts';

providerConformance(test, () => simulatedProvider({ users: 5 }), {
  knownKeys: ['ada.novak@example.com', 'ben.okafor@example.com'],
  unknownKeys: ['nobody@example.com'],
});

test('the same seed gives the same day, whatever the polling times', async () => {
  const a = simulatedProvider({ users: 20, seed: 7 });
  const b = simulatedProvider({ users: 20, seed: 7 });
  const users = await a.discoverUsers!();
  const monday = Date.UTC(2026, 2, 2);
  for (let minute = 0; minute < 24 * 60; minute += 7) {
    for (const u of users) {
      const at = new Date(monday + minute * 60_000);
      expect(a.statusAt(u.id, at)).toBe(b.statusAt(u.id, at));
    }
  }
  const other = simulatedProvider({ users: 20, seed: 8 });
  const differs = users.some((u) => {
    for (let m = 480; m < 1080; m += 5) {
      const at = new Date(monday + m * 60_000);
      if (other.statusAt(u.id, at) !== a.statusAt(u.id, at)) return true;
    }
    return false;
  });
  expect(differs).toBe(true);
});

test('working days look like working days', async () => {
  const clock = manualClock(Date.UTC(2026, 2, 2, 3, 0)); // Monday 03:00 UTC
  const provider = simulatedProvider({ users: 50, seed: 3, clock });
  const ids = (await provider.discoverUsers!()).map((u) => u.id);
  const night = await provider.getPresence(ids);
  expect(night.every((s) => s.status === 'offline')).toBe(true);
  clock.set(Date.UTC(2026, 2, 2, 10, 30));
  const morning = await provider.getPresence(ids);
  const present = morning.filter((s) => s.status !== 'offline').length;
  expect(present).toBeGreaterThan(35);
  expect(morning.every((s) => s.observedAt.getTime() === Date.UTC(2026, 2, 2, 10, 30))).toBe(true);
  clock.set(Date.UTC(2026, 2, 7, 10, 30)); // Saturday
  const weekend = await provider.getPresence(ids);
  expect(weekend.filter((s) => s.status !== 'offline').length).toBeLessThan(10);
});

test("follows the people's local time zone", async () => {
  const berlin = simulatedProvider({ users: 30, seed: 5, timeZone: 'Europe/Berlin' });
  const ids = (await berlin.discoverUsers!()).map((u) => u.id);
  // 06:00 UTC is 07:00 in Berlin in winter: nobody has arrived yet; 09:30 UTC is 10:30 there.
  expect(ids.every((id) => berlin.statusAt(id, new Date(Date.UTC(2026, 0, 12, 6, 0))) === 'offline')).toBe(
    true,
  );
  expect(ids.some((id) => berlin.statusAt(id, new Date(Date.UTC(2026, 0, 12, 9, 30))) !== 'offline')).toBe(
    true,
  );
});

test('refuses a nonsensical number of people', () => {
  expect(() => simulatedProvider({ users: -1 })).toThrow(/users/);
});
