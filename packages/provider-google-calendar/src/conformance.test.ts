import { providerConformance } from '@presence-tracker/core/testing';
import { afterAll, beforeAll, test } from 'vitest';
import { googleCalendarProvider } from './index.ts';
import { type FakeCalendar, startFakeCalendar } from './testing/index.ts';

let google: FakeCalendar;
beforeAll(async () => {
  google = await startFakeCalendar({
    calendars: {
      'ada@example.com': [{ start: '2026-03-02T09:00:00Z', end: '2026-03-02T10:00:00Z' }],
      'grace@example.com': [],
      'linus@example.com': [
        { start: '2026-03-02T00:00:00Z', end: '2026-03-04T00:00:00Z', eventType: 'outOfOffice' },
      ],
    },
    groups: { 'everyone@example.com': Array.from({ length: 150 }, (_, i) => `p${i}@example.com`) },
  });
});
afterAll(() => google.close());

providerConformance(
  test,
  () =>
    googleCalendarProvider({
      credentials: google.serviceAccount,
      subject: 'admin@example.com',
      baseUrl: google.url,
    }),
  {
    knownKeys: ['ada@example.com', 'Grace@Example.com', 'linus@example.com'],
    unknownKeys: ['nobody@example.com', 'not-an-email', 'everyone@example.com'],
  },
);
