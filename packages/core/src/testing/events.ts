import { createEvent, type TRACKER_EVENT_TYPES, type TrackerEvent } from '../notifier/events.ts';

const MIN = 60_000;

/**
 * One event of each type, at 2026-03-02 09:40 UTC, about one person (Ada Novak, severity `+++`, whose
 * run's end lists her alone): what a webhook format or a notifier of one's own can be tested with.
 */
export function sampleEvents(): Record<(typeof TRACKER_EVENT_TYPES)[number], TrackerEvent> {
  const at = new Date('2026-03-02T09:40:00.000Z');
  const person = { userId: 'u1', displayName: 'Ada Novak', severity: 3 as const };
  return {
    'run.started': createEvent('run.started', at, { runId: '7', startedAt: at.toISOString() }),
    'run.ended': createEvent('run.ended', at, {
      runId: '7',
      startedAt: '2026-03-02T07:00:00.000Z',
      endedAt: at.toISOString(),
      durationMs: 160 * MIN,
      reason: 'stopped',
      users: [
        {
          ...person,
          observedMs: 150 * MIN,
          availableMs: 120 * MIN,
          unavailableMs: 30 * MIN,
          longestUnavailableMs: 20 * MIN,
          sessions: 2,
        },
      ],
      totals: { observedMs: 150 * MIN, availableMs: 120 * MIN, unavailableMs: 30 * MIN, sessions: 2 },
    }),
    'session.started': createEvent('session.started', at, {
      ...person,
      severity: 0,
      startedAt: at.toISOString(),
    }),
    'session.ended': createEvent('session.ended', at, {
      ...person,
      startedAt: '2026-03-02T08:00:00.000Z',
      endedAt: at.toISOString(),
      durationMs: 100 * MIN,
      reason: 'offline',
    }),
    'unavailable.long': createEvent('unavailable.long', at, {
      ...person,
      status: 'away',
      since: '2026-03-02T09:30:00.000Z',
      durationMs: 10 * MIN,
      thresholdMs: 5 * MIN,
    }),
    'tracker.error': createEvent('tracker.error', at, {
      where: 'provider',
      message: 'platform down',
      code: 'PROVIDER_FAILED',
    }),
    'tracker.recovered': createEvent('tracker.recovered', at, {
      where: 'provider',
      since: '2026-03-02T08:40:00.000Z',
      at: at.toISOString(),
      durationMs: 60 * MIN,
      failures: 60,
    }),
  };
}
