import { manualClock } from '@presence-tracker/core';
import { advancingSleep } from '@presence-tracker/core/resilience';
import { googleCalendarProvider } from '@presence-tracker/provider-google-calendar';
import { type FakeEvent, startFakeCalendar } from '@presence-tracker/provider-google-calendar/testing';
import type { BenchRow } from './lib.ts';

const MINUTE = 60_000;
const START = Date.parse('2026-03-02T08:00:00Z');

/** `n` people with a meeting every other hour and, for every tenth, a day out of office. */
function calendars(n: number): Record<string, FakeEvent[]> {
  return Object.fromEntries(
    Array.from({ length: n }, (_, i) => {
      const events: FakeEvent[] = [];
      for (let h = i % 2; h < 10; h += 2)
        events.push({
          start: new Date(START + h * 60 * MINUTE),
          end: new Date(START + (h * 60 + 45) * MINUTE),
        });
      if (i % 10 === 0)
        events.push({
          start: new Date(START - 60 * MINUTE),
          end: new Date(START + 12 * 60 * MINUTE),
          eventType: 'outOfOffice',
        });
      return [`p${String(i).padStart(4, '0')}@example.com`, events];
    }),
  );
}

/** Polls `ids` every `every` ms for `span` ms on the clock seam; the requests each kind took. */
async function day(people: number, every: number, span: number, outOfOfficeEvery: number) {
  const clock = manualClock(START);
  const google = await startFakeCalendar({ clock, calendars: calendars(people) });
  const provider = googleCalendarProvider({
    credentials: google.serviceAccount,
    subject: 'admin@example.com',
    baseUrl: google.url,
    outOfOfficeEvery,
    clock,
    sleep: advancingSleep(clock),
  });
  try {
    const ids = Object.keys(google.calendars);
    let polls = 0;
    for (let t = START; t < START + span; t += every) {
      clock.set(t);
      await provider.getPresence(ids);
      polls++;
    }
    return { polls, freeBusy: google.count('freeBusy'), events: google.count('events') };
  } finally {
    await provider.close();
    await google.close();
  }
}

/**
 * Requests per poll for 1,000 calendars against the fake Calendar API (Google's real clients, the
 * documented limit of 50 calendars a free/busy request enforced), and what the out-of-office cache
 * saves over a working day polled every minute, both replayed on the clock seam.
 */
export default async function googleCalendar(): Promise<BenchRow[]> {
  const PEOPLE = 1000;
  const clock = manualClock(START);
  const google = await startFakeCalendar({ clock, calendars: calendars(PEOPLE) });
  const rows: BenchRow[] = [];
  try {
    const provider = googleCalendarProvider({
      credentials: google.serviceAccount,
      subject: 'admin@example.com',
      baseUrl: google.url,
      clock,
      sleep: advancingSleep(clock),
    });
    const ids = Object.keys(google.calendars);
    const api = () => google.count('freeBusy') + google.count('events');
    // An hour polled every minute: the first poll reads everyone's out-of-office events, later ones
    // free/busy and the people whose out-of-office events are due (spread over the period).
    const perPoll: number[] = [];
    const wall: number[] = [];
    let waited = 0;
    let samples: Awaited<ReturnType<typeof provider.getPresence>> = [];
    for (let m = 0; m < 60; m++) {
      const due = START + m * MINUTE;
      if (clock.now().getTime() < due) clock.set(due);
      const before = api();
      const from = clock.now().getTime();
      const t = performance.now();
      samples = await provider.getPresence(ids);
      wall.push(performance.now() - t);
      waited += clock.now().getTime() - from;
      perPoll.push(api() - before);
    }
    const statuses = new Map<string, number>();
    for (const s of samples) statuses.set(s.status, (statuses.get(s.status) ?? 0) + 1);
    const later = perPoll.slice(1);
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const floor = { name: 'floor: ceil(1,000 / 50) free/busy requests', value: Math.ceil(PEOPLE / 50) };
    const label = `${PEOPLE.toLocaleString('en-US')} calendars`;
    rows.push(
      {
        name: `requests per poll, ${label}, median of an hour polled every minute`,
        value: median(later),
        unit: 'requests/poll',
        baseline: floor,
        note: `out-of-office kept 15 min; mean ${(later.reduce((a, b) => a + b, 0) / later.length).toFixed(1)}, most ${Math.max(...later)} after the first poll; last poll ${[...statuses].map(([k, v]) => `${v} ${k}`).join(', ')}`,
      },
      {
        name: `first poll, ${label} (out-of-office read for everyone)`,
        value: perPoll[0]!,
        unit: 'requests/poll',
        baseline: floor,
        note: `${(waited / 1000).toFixed(0)} s of budget waits on the clock in the hour (500 requests a minute)`,
      },
      {
        name: `poll time, ${label}, loopback`,
        value: median(wall.slice(1)),
        unit: 'ms',
        note: 'wall clock, median of the polls after the first',
      },
    );
    await provider.close();

    // Free/busy alone (outOfOffice: false): the floor itself.
    const freeBusyOnly = googleCalendarProvider({
      credentials: google.serviceAccount,
      subject: 'admin@example.com',
      baseUrl: google.url,
      outOfOffice: false,
      clock,
      sleep: advancingSleep(clock),
    });
    const before = api();
    await freeBusyOnly.getPresence(ids);
    rows.unshift({
      name: `requests per poll, ${label}, free/busy alone (outOfOffice: false)`,
      value: api() - before,
      unit: 'requests/poll',
      baseline: floor,
      note: `largest request: ${Math.max(...google.requests.filter((r) => r.kind === 'freeBusy').map((r) => r.items ?? 0))} calendars`,
    });
    await freeBusyOnly.close();
  } finally {
    await google.close();
  }

  // A working day (8 hours) of 50 people polled every minute, out-of-office kept 15 minutes vs read each poll.
  const span = 8 * 60 * MINUTE;
  const cached = await day(50, MINUTE, span, 15 * MINUTE);
  const uncached = await day(50, MINUTE, span, 0);
  const total = (r: { freeBusy: number; events: number }) => r.freeBusy + r.events;
  rows.push({
    name: 'requests over a working day, 50 people polled every minute, out-of-office kept 15 min',
    value: total(cached),
    unit: 'requests',
    baseline: { name: 'out-of-office read at every poll', value: total(uncached) },
    note: `${cached.polls} polls; events.list ${cached.events} vs ${uncached.events}; free/busy ${cached.freeBusy} each`,
  });
  return rows;
}
