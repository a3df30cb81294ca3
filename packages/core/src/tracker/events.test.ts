import { expect, test } from 'vitest';
import { manualClock } from '../clock.ts';
import { type Effect, initialState, resolvePolicy, StateTable } from '../machine/index.ts';
import type { TrackerEvent } from '../notifier/events.ts';
import type { Notifier } from '../notifier/notifier.ts';
import { simulatedProvider } from '../provider/simulated.ts';
import { memoryStore } from '../store/memory.ts';
import { toEvents } from './events.ts';
import { createTracker } from './index.ts';

const MIN = 60_000;
const at = new Date(Date.UTC(2026, 2, 2, 9));

/** A session opened, closed, and a long unavailability, for one person. */
function effects(): Effect[] {
  const table = new StateTable(resolvePolicy({ unavailableAfter: [MIN, MIN, MIN, MIN] }));
  table.set('u1', initialState('u1'));
  const out: Effect[] = [];
  table.applySample({ userId: 'u1', status: 'available', observedAt: at }, out);
  table.applySample({ userId: 'u1', status: 'busy', observedAt: new Date(at.getTime() + MIN) }, out);
  table.applySample({ userId: 'u1', status: 'offline', observedAt: new Date(at.getTime() + 3 * MIN) }, out);
  return out;
}

test('toEvents makes the events of the types asked for, and none when none are', () => {
  const byId = new Map([['u1', { id: 'u1', key: 'u1', severity: 0 as const }]]);
  const types = (wanted: TrackerEvent['type'][]) =>
    toEvents(effects(), at, byId, new Set(wanted)).map((e) => e.type);
  expect(types(['session.started', 'session.ended', 'unavailable.long'])).toEqual([
    'session.started',
    'session.ended',
    'unavailable.long',
  ]);
  expect(types(['session.ended', 'run.ended'])).toEqual(['session.ended']);
  expect(types([])).toEqual([]);
});

test('notifiers get the events they take, whichever others take', async () => {
  const clock = manualClock(Date.UTC(2026, 2, 2, 9));
  const got: Record<string, string[]> = { sessions: [], ends: [] };
  const recorder = (name: string, events?: TrackerEvent['type'][]): Notifier => ({
    name,
    ...(events && { events }),
    async deliver(event) {
      got[name]!.push(event.type);
    },
  });
  const tracker = createTracker({
    provider: simulatedProvider({ users: 20, seed: 4, clock }),
    store: memoryStore(),
    users: 'discover',
    clock,
    pollInterval: 5 * MIN,
    notifiers: [recorder('sessions', ['session.started', 'session.ended']), recorder('ends', ['run.ended'])],
  });
  for (let p = 0; p < 12; p++) {
    await tracker.runOnce();
    clock.advance(5 * MIN);
  }
  await tracker.stop();
  expect(got.ends).toEqual(['run.ended']);
  expect(got.sessions!.length).toBeGreaterThan(0);
  expect(new Set(got.sessions)).toEqual(new Set(['session.started', 'session.ended']));
});
