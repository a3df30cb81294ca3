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

/** The day as it used to be made: painted minute by minute onto an array, kept for comparison. */
function paintedDay(seed: number, person: number, day: number, weekday: number): Uint8Array {
  const hash = (...parts: number[]) => {
    let h = 0x811c9dc5;
    for (const part of parts) {
      h = Math.imul(h ^ (part & 0xffff), 0x01000193);
      h = Math.imul(h ^ (part >>> 16), 0x01000193);
    }
    return h >>> 0;
  };
  let a = hash(seed, person, day);
  const random = () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const CODE = { offline: 0, available: 1, busy: 2, dnd: 3, away: 4, unknown: 5 } as const;
  const between = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1));
  const minutes = new Uint8Array(1440);
  const paint = (from: number, length: number, status: keyof typeof CODE) =>
    minutes.fill(CODE[status], Math.max(0, from), Math.min(1440, from + length));
  if (weekday === 0 || weekday === 6) {
    if (random() < 0.1) paint(between(9 * 60, 16 * 60), between(10, 60), 'available');
  } else if (random() >= 0.04) {
    const arrive = between(7 * 60 + 30, 9 * 60 + 30);
    const leave = between(16 * 60, 18 * 60 + 30);
    paint(arrive, leave - arrive, 'available');
    for (let m = between(0, 4); m > 0; m--)
      paint(between(arrive, leave - 60), random() < 0.5 ? 30 : 60, 'busy');
    if (random() < 0.3) paint(between(arrive, leave - 90), between(60, 90), 'dnd');
    paint(between(11 * 60 + 45, 13 * 60), between(30, 60), 'away');
    for (let b = between(0, 3); b > 0; b--) paint(between(arrive, leave - 15), between(5, 15), 'away');
    if (random() < 0.2) paint(between(arrive, leave - 5), between(2, 4), 'offline');
    if (random() < 0.02) paint(between(arrive, leave - 5), between(1, 3), 'unknown');
  }
  return minutes;
}

test('each minute has the status of the day painted block by block, as before people were kept out of memory', async () => {
  const provider = simulatedProvider({ users: 40, seed: 7 });
  const users = await provider.discoverUsers!();
  const names = ['offline', 'available', 'busy', 'dnd', 'away', 'unknown'];
  let changes = 0;
  for (let d = 0; d < 8; d++) {
    const midnight = Date.UTC(2026, 2, 2 + d);
    const day = midnight / 86_400_000;
    for (const [person, u] of users.entries()) {
      const painted = paintedDay(7, person, day, new Date(midnight).getUTCDay());
      for (let minute = 0; minute < 1440; minute++) {
        if (minute > 0 && painted[minute] !== painted[minute - 1]) changes++;
        // Every minute where the painted day changes, and every 15th minute.
        if (minute % 15 !== 0 && painted[minute] === painted[minute - 1]) continue;
        expect(provider.statusAt(u.id, new Date(midnight + minute * 60_000))).toBe(names[painted[minute]!]);
      }
    }
  }
  expect(changes).toBeGreaterThan(40 * 6 * 5);
});

test('a million people cost nothing until they are asked for, and ids are found without a list', async () => {
  const provider = simulatedProvider({ users: 1_000_000, seed: 7 });
  const [sample] = await provider.getPresence(['sim-0654321']);
  expect(sample?.userId).toBe('sim-0654321');
  expect(await provider.getPresence(['sim-1000001', 'sim-0000000', 'sim-654321', 'sim-06543x1'])).toEqual([]);
  const { resolved } = await provider.resolveUsers(['SIM-0000002']);
  expect(resolved).toEqual([
    { key: 'SIM-0000002', id: 'sim-0000002', displayName: 'Ben Okafor', email: 'ben.okafor@example.com' },
  ]);
});

test('people keep the names and addresses they had: the name in lower case with dots, at example.com', async () => {
  // Past 132 people (12 first names × 11 last names) the pairings come round again with a number.
  const people = await simulatedProvider({ users: 400 }).discoverUsers!();
  for (const p of people) {
    expect(p.email).toBe(`${p.displayName!.toLowerCase().replaceAll(' ', '.')}@example.com`);
    expect(p.key).toBe(p.email);
  }
  expect(people[0]).toMatchObject({ displayName: 'Ada Novak', email: 'ada.novak@example.com' });
  expect(people[399]).toMatchObject({ displayName: 'Dev Quinn 4', email: 'dev.quinn.4@example.com' });
  const keyed = await simulatedProvider({ users: ['Someone.Else', 'x@corp.example'] }).discoverUsers!();
  expect(keyed.map((p) => [p.key, p.email])).toEqual([
    ['Someone.Else', 'ada.novak@example.com'],
    ['x@corp.example', 'x@corp.example'],
  ]);
});
