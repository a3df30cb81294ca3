import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  buildReport,
  combineProviders,
  createTracker,
  manualClock,
  platformIntervals,
} from '@presence-tracker/core';
import { advancingSleep } from '@presence-tracker/core/resilience';
import { googleCalendarProvider } from '@presence-tracker/provider-google-calendar';
import { type FakeCalendar, startFakeCalendar } from '@presence-tracker/provider-google-calendar/testing';
import { graphProvider } from '@presence-tracker/provider-graph';
import {
  type FakeGraph,
  type FakeUser as GraphUser,
  listCredential,
  startFakeGraph,
  trustTestCertificate,
} from '@presence-tracker/provider-graph/testing';
import { mattermostProvider } from '@presence-tracker/provider-mattermost';
import { type FakeServer, mmId, startFakeServer } from '@presence-tracker/provider-mattermost/testing';
import { sqliteStore } from '@presence-tracker/store-sqlite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/*
 * A working day of three people on Teams (the fake Microsoft Graph), Mattermost (the fake Mattermost
 * server) and Google Calendar (the fake Calendar API), read by their real clients through
 * combineProviders, tracked every five minutes on a manual clock into a SQLite file. Teams is
 * unreachable from 13:30 to 14:30. The merged intervals are compared with a table worked out by hand
 * from the script below.
 */

const DAY = '2026-03-02';
const t = (hhmm: string) => new Date(`${DAY}T${hhmm}:00Z`);
const POLL = 5 * 60_000;
const STALE = 3 * POLL;

const people = {
  ada: { email: 'ada@contoso.com', graphId: '00000000-0000-4000-8000-00000000000a', mm: mmId('ada') },
  ben: { email: 'ben@contoso.com', graphId: '00000000-0000-4000-8000-00000000000b', mm: mmId('ben') },
  // Cy has no Mattermost account: Teams alone tells about Cy.
  cy: { email: 'cy@contoso.com', graphId: '00000000-0000-4000-8000-00000000000c', mm: undefined },
};
type Person = keyof typeof people;

// What each platform says from an instant on, in its own words. Graph: availability (activity
// follows it); Mattermost: its status.
const teamsScript: [string, Person, string][] = [
  ['09:00', 'ada', 'Available'],
  ['09:00', 'ben', 'Offline'],
  ['09:00', 'cy', 'Available'],
  ['10:00', 'ada', 'Busy'],
  ['10:30', 'ben', 'Available'],
  ['11:00', 'ada', 'Available'],
  ['11:30', 'cy', 'Busy'],
  ['12:00', 'ada', 'Away'],
  ['12:00', 'ben', 'DoNotDisturb'],
  ['12:30', 'cy', 'Available'],
  ['13:00', 'ada', 'Available'],
  // Said during the outage: nobody hears it until Teams answers again at 14:30.
  ['14:00', 'ben', 'Available'],
  ['16:30', 'ben', 'Offline'],
];
const chatScript: [string, Person, string][] = [
  ['09:00', 'ada', 'online'],
  ['09:00', 'ben', 'online'],
  ['12:00', 'ada', 'away'],
  ['13:00', 'ada', 'online'],
  ['15:00', 'ada', 'dnd'],
  ['16:00', 'ada', 'online'],
  ['16:30', 'ben', 'offline'],
];
// Busy blocks in the calendars; a free calendar is ignored (it only says there is no meeting).
const calendarScript: Record<Person, [string, string][]> = {
  ada: [['14:00', '14:30']],
  ben: [['09:30', '10:00']],
  cy: [],
};
const OUTAGE = { from: t('13:30'), to: t('14:30') };
const clock = manualClock(t('09:00'));

// Worked out by hand. The default rule: dnd and busy anywhere beat available, otherwise the most
// reachable status wins; the calendar counts only when busy (Ada's meeting at 14:00 falls in the
// Teams outage and shows all the same). Ben's Teams dnd (last read at 13:25) keeps counting for
// staleAfter (15 minutes) into the outage, so his dnd ends at 13:45, not when Teams returns. Cy, whose
// calendar is free all day, is unobserved from the last Teams reading before the outage (13:25) until
// Teams answers again (14:30).
const expected: Record<Person, [string, string, string][]> = {
  ada: [
    ['available', '09:00', '10:00'],
    ['busy', '10:00', '11:00'],
    ['available', '11:00', '12:00'],
    ['away', '12:00', '13:00'],
    ['available', '13:00', '14:00'],
    ['busy', '14:00', '14:30'],
    ['available', '14:30', '15:00'],
    ['dnd', '15:00', '16:00'],
    ['available', '16:00', '17:00'],
  ],
  ben: [
    ['available', '09:00', '09:30'],
    ['busy', '09:30', '10:00'],
    ['available', '10:00', '12:00'],
    ['dnd', '12:00', '13:45'],
    ['available', '13:45', '16:30'],
    ['offline', '16:30', '17:00'],
  ],
  cy: [
    ['available', '09:00', '11:30'],
    ['busy', '11:30', '12:30'],
    ['available', '12:30', '13:25'],
    ['available', '14:30', '17:00'],
  ],
};

let graph: FakeGraph;
let chat: FakeServer;
let calendar: FakeCalendar;
let dir: string;

beforeAll(async () => {
  trustTestCertificate();
  const graphUsers: GraphUser[] = Object.values(people).map((p) => ({
    id: p.graphId,
    displayName: p.email.split('@')[0]!,
    userPrincipalName: p.email,
    mail: p.email,
    availability: 'Offline',
    activity: 'Offline',
  }));
  graph = await startFakeGraph({ users: graphUsers });
  const me = { id: mmId('tracker'), username: 'tracker', email: 'tracker@contoso.com' };
  const chatUsers = Object.entries(people).flatMap(([name, p]) =>
    p.mm ? [{ id: p.mm, username: name, email: p.email, status: 'offline' }] : [],
  );
  chat = await startFakeServer({
    users: [me, ...chatUsers],
    teams: [{ id: mmId('team'), name: 'contoso', displayName: 'Contoso' }],
    channels: [
      {
        id: mmId('town-square'),
        teamId: mmId('team'),
        name: 'town-square',
        displayName: 'Town Square',
        members: [me.id, ...chatUsers.map((u) => u.id)],
      },
    ],
    me: me.id,
    tokens: ['chat-token'],
  });
  calendar = await startFakeCalendar({
    clock,
    domain: 'contoso.com',
    calendars: Object.fromEntries(
      (Object.keys(people) as Person[]).map((who) => [
        people[who].email,
        calendarScript[who].map(([start, end]) => ({ start: t(start), end: t(end), summary: 'meeting' })),
      ]),
    ),
  });
  dir = await mkdtemp(join(tmpdir(), 'combined-day-'));
});

afterAll(async () => {
  await graph?.close();
  await chat?.close();
  await calendar?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('a day of three people across Teams, Mattermost and Google Calendar', () => {
  it('merges into the intervals worked out by hand, through an outage of Teams', async () => {
    const provider = combineProviders({
      providers: {
        teams: graphProvider({
          credential: listCredential('graph-token'),
          baseUrl: graph.url,
          clock,
          retry: { attempts: 1 },
        }),
        chat: mattermostProvider({ url: chat.url, token: 'chat-token' }, { clock }),
        calendar: googleCalendarProvider({
          credentials: calendar.serviceAccount,
          subject: 'admin@contoso.com',
          baseUrl: calendar.url,
          clock,
          sleep: advancingSleep(clock),
        }),
      },
      ignore: { calendar: ['available'] },
      staleAfter: STALE,
      clock,
    });
    const store = sqliteStore({ path: join(dir, 'presence.db') });
    const tracker = createTracker({
      provider,
      store,
      users: Object.values(people).map((p) => p.email),
      pollInterval: POLL,
      policy: { staleAfter: STALE },
      clock,
    });
    const unresolved: string[] = [];
    tracker.on('users', (u) => unresolved.push(...u.unresolved.map((x) => `${x.key}: ${x.reason}`)));
    const failed: string[] = [];
    tracker.on('poll', (p) => {
      if (p.skipped) failed.push(`${p.at.toISOString().slice(11, 16)} ${p.skipped}`);
    });

    for (let at = t('09:00').getTime(); at <= t('17:00').getTime(); at += POLL) {
      clock.set(at);
      const hhmm = new Date(at).toISOString().slice(11, 16);
      for (const [when, who, word] of teamsScript) {
        if (when !== hhmm) continue;
        const u = graph.users.get(people[who].graphId)!;
        u.availability = word;
        u.activity = word;
      }
      for (const [when, who, word] of chatScript) if (when === hhmm) chat.setStatus(people[who].mm!, word);
      if (at >= OUTAGE.from.getTime() && at < OUTAGE.to.getTime()) {
        graph.script('getPresencesByUserId', {
          status: 503,
          body: {
            error: { code: 'ServiceNotAvailable', message: 'The service is temporarily unavailable.' },
          },
        });
      }
      await tracker.runOnce();
    }
    await tracker.stop();

    expect(unresolved).toEqual([
      'cy@contoso.com: chat: no Mattermost user the account can see has this e-mail address (tracked on teams, calendar)',
    ]);
    // Mattermost answered throughout, so no poll failed as a whole.
    expect(failed).toEqual([]);

    const day = { from: t('00:00'), to: t('23:59') };
    const intervals = await store.intervals(day);
    for (const who of Object.keys(people) as Person[]) {
      const mine = intervals
        .filter((i) => i.userId === people[who].email)
        .map((i) => [
          i.status,
          i.startedAt.toISOString().slice(11, 16),
          i.endedAt?.toISOString().slice(11, 16),
        ]);
      expect([who, mine]).toEqual([who, expected[who]]);
    }

    // Reports work unchanged on combined people: Cy's hour without Teams is unobserved.
    const report = await buildReport({ store, ...day, timeZone: 'UTC' });
    const cy = report.totals.find((r) => r.userId === people.cy.email)!;
    expect(cy.observedMs).toBe((4 * 60 + 25 + 2 * 60 + 30) * 60_000);

    // Each platform's own intervals come back from the stored samples: Ben's Teams dnd was last read
    // at 13:25, and Teams said nothing more of him until 14:30.
    const parts = platformIntervals(await store.samples({ ...day, userIds: [people.ben.email] }), {
      staleAfter: STALE,
      now: t('17:00'),
    });
    const hhmm = (d: Date | null) => d?.toISOString().slice(11, 16) ?? null;
    expect(
      parts.map((p) => [p.label, p.intervals.map((i) => [i.status, hhmm(i.startedAt), hhmm(i.endedAt)])]),
    ).toEqual([
      [
        'teams',
        [
          ['offline', '09:00', '10:30'],
          ['available', '10:30', '12:00'],
          ['dnd', '12:00', '13:25'],
          ['available', '14:30', '16:30'],
          ['offline', '16:30', null],
        ],
      ],
      [
        'chat',
        [
          ['available', '09:00', '16:30'],
          ['offline', '16:30', null],
        ],
      ],
      [
        'calendar',
        [
          ['available', '09:00', '09:30'],
          ['busy', '09:30', '10:00'],
          ['available', '10:00', null],
        ],
      ],
    ]);
    await provider.close?.();
    await store.close();
  });
});
