import { DOMParser } from '@xmldom/xmldom';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../errors.ts';
import { type Interval, STATUSES, type Status } from '../model.ts';
import { renderTimelinePages, timelinePages } from './pages.ts';
import { renderTimelinePng } from './png.ts';
import { renderTimeline, timelineSize } from './render.ts';

const MIN = 60_000;
const FROM = Date.UTC(2026, 2, 22, 23); // 2026-03-23 00:00 in Berlin, a Monday
const DAYS = 14;

/** A fortnight for 50 people: working days with status changes, a few gaps, one interval still open. */
function fortnight(): { intervals: Interval[]; users: { id: string; displayName: string }[] } {
  const users = Array.from({ length: 50 }, (_, i) => ({ id: `u${i}`, displayName: `Person ${i}` }));
  const intervals: Interval[] = [];
  users.forEach((u, i) => {
    for (let d = 0; d < DAYS; d++) {
      let t = FROM + d * 24 * 60 * MIN + (8 * 60 + (i % 30)) * MIN;
      for (let k = 0; k < 12; k++) {
        const status = STATUSES[(i + d + k) % STATUSES.length]!;
        const length = (20 + ((i * 7 + k * 13) % 40)) * MIN;
        intervals.push({ userId: u.id, status, startedAt: new Date(t), endedAt: new Date(t + length) });
        // Every third change leaves a gap: the tracker did not see the user.
        t += length + (k % 3 === 0 ? 15 * MIN : 0);
      }
    }
  });
  return { intervals, users };
}

const parse = (svg: string) => new DOMParser().parseFromString(svg, 'image/svg+xml');
const all = (doc: ReturnType<typeof parse>, tag: string) => Array.from(doc.getElementsByTagName(tag));

describe('renderTimeline', () => {
  it('draws 50 people over 14 days as valid SVG: a row each, a rectangle per interval', () => {
    const { intervals, users } = fortnight();
    const svg = renderTimeline({
      intervals,
      users,
      from: new Date(FROM),
      to: new Date(FROM + DAYS * 24 * 60 * MIN - 60 * MIN), // 14 days; the clocks go forward on the 29th
      timeZone: 'Europe/Berlin',
      width: 1600,
      now: new Date(FROM + 30 * 24 * 60 * MIN),
    });
    const doc = parse(svg);
    const root = doc.documentElement!;
    expect(root.getAttribute('width')).toBe('1600');
    // The documented layout: 56 px header, 18 px per row by default, 36 px legend.
    expect(Number(root.getAttribute('height'))).toBe(56 + 50 * 18 + 36);
    expect(root.getAttribute('viewBox')).toBe('0 0 1600 992');
    expect(timelineSize({ width: 1600, rows: 50 })).toEqual({ width: 1600, height: 992 });
    expect(timelineSize({ rowHeight: 30, rows: 3 })).toEqual({ width: 1200, height: 56 + 3 * 30 + 36 });
    const rows = all(doc, 'g').filter((g) => g.getAttribute('class') === 'row');
    expect(rows.map((g) => g.getAttribute('data-user-id'))).toEqual(users.map((u) => u.id));
    const rects = all(doc, 'rect').filter((r) => r.getAttribute('class') === 'status');
    expect(rects).toHaveLength(intervals.length);
    const perStatus = (s: Status) => rects.filter((r) => r.getAttribute('data-status') === s).length;
    for (const s of STATUSES) expect(perStatus(s)).toBe(intervals.filter((i) => i.status === s).length);
    // Unobserved is hatched, offline is a solid colour: never the same fill.
    const unobserved = all(doc, 'rect').filter((r) => r.getAttribute('class') === 'unobserved');
    expect(unobserved).toHaveLength(50);
    expect(unobserved[0]!.getAttribute('fill')).toBe('url(#unobserved)');
    expect(rects.find((r) => r.getAttribute('data-status') === 'offline')!.getAttribute('fill')).toMatch(
      /^#/,
    );
    // A separator at each local midnight, the range's edges included, and a legend entry per status plus unobserved.
    const days = all(doc, 'g').find((g) => g.getAttribute('class') === 'days')!;
    expect(days.getElementsByTagName('line')).toHaveLength(DAYS + 1);
    const legend = all(doc, 'g').find((g) => g.getAttribute('class') === 'legend')!;
    expect(Array.from(legend.getElementsByTagName('text')).map((t) => t.textContent)).toEqual([
      ...STATUSES,
      'unobserved',
    ]);
  });

  it('clips intervals to the range, draws open ones up to now, and labels the axis in local time', () => {
    const from = new Date(Date.UTC(2026, 2, 29, 0)); // 01:00 in Berlin; at 02:00 the clocks jump to 03:00
    const to = new Date(Date.UTC(2026, 2, 29, 6));
    const svg = renderTimeline({
      intervals: [
        {
          userId: 'a',
          status: 'busy',
          startedAt: new Date(Date.UTC(2026, 2, 28, 20)),
          endedAt: new Date(Date.UTC(2026, 2, 29, 1)),
        },
        { userId: 'a', status: 'available', startedAt: new Date(Date.UTC(2026, 2, 29, 2)), endedAt: null },
        { userId: 'b', status: 'away', startedAt: new Date(Date.UTC(2026, 2, 29, 7)), endedAt: null },
      ],
      from,
      to,
      timeZone: 'Europe/Berlin',
      width: 660,
      labelWidth: 60,
      now: new Date(Date.UTC(2026, 2, 29, 3)),
    });
    const doc = parse(svg);
    const rects = all(doc, 'rect').filter((r) => r.getAttribute('class') === 'status');
    // The plot is 60..644 px for 6 hours: 97.33 px per hour.
    expect(rects.map((r) => [r.getAttribute('x'), r.getAttribute('width')])).toEqual([
      ['60', '97.33'],
      ['254.67', '97.33'],
    ]);
    const axis = all(doc, 'g').find((g) => g.getAttribute('class') === 'axis')!;
    const texts = Array.from(axis.getElementsByTagName('text'));
    expect(texts.filter((t) => t.getAttribute('class') === 'day').map((t) => t.textContent)).toEqual([
      'Sun 29 Mar 2026',
    ]);
    expect(texts.filter((t) => t.getAttribute('class') !== 'day').map((t) => t.textContent)).toEqual([
      '01:00',
      '03:00',
      '04:00',
      '05:00',
      '06:00',
      '07:00',
      '08:00',
    ]);
  });

  it('escapes names and refuses bad options, naming the field', () => {
    const svg = renderTimeline({
      intervals: [],
      users: [{ id: 'x', displayName: 'A <b> & "c"' }],
      from: new Date(0),
      to: new Date(HOURS(2)),
      timeZone: 'UTC',
    });
    const label = all(parse(svg), 'text').find((t) => t.getAttribute('class') === 'label');
    expect(label?.textContent).toBe('A <b> & "c"');
    const bad = (o: Record<string, unknown>) => () =>
      renderTimeline({
        intervals: [],
        from: new Date(0),
        to: new Date(HOURS(1)),
        timeZone: 'UTC',
        ...o,
      } as never);
    expect(bad({ timeZone: 'Nowhere/Land' })).toThrow(/timeZone: expected an IANA time zone/);
    expect(bad({ width: 10 })).toThrow(/width: expected at least 300 pixels/);
    expect(bad({ to: new Date(0) })).toThrow(ConfigError);
  });

  it("draws a person's parts (each platform's intervals) beneath their row, thinner and labelled", () => {
    const at = (h: number) => new Date(Date.UTC(2026, 2, 23, h));
    const merged: Interval[] = [
      { userId: 'ada', status: 'busy', startedAt: at(9), endedAt: at(10) },
      { userId: 'ben', status: 'available', startedAt: at(9), endedAt: at(10) },
    ];
    const svg = renderTimeline({
      intervals: merged,
      from: at(8),
      to: at(12),
      timeZone: 'UTC',
      users: [{ id: 'ada', displayName: 'Ada' }, { id: 'ben' }],
      rowHeight: 18,
      parts: [
        {
          userId: 'ada',
          label: 'teams',
          intervals: [{ userId: 'ada', status: 'busy', startedAt: at(9), endedAt: at(10) }],
        },
        {
          userId: 'ada',
          label: 'chat',
          intervals: [{ userId: 'ada', status: 'available', startedAt: at(9), endedAt: at(11) }],
        },
        { userId: 'nobody', label: 'teams', intervals: [] },
      ],
    });
    const doc = parse(svg);
    const groups = all(doc, 'g').filter((g) => ['row', 'part'].includes(g.getAttribute('class')!));
    expect(
      groups.map((g) => [
        g.getAttribute('class'),
        g.getAttribute('data-user-id'),
        g.getAttribute('data-part'),
      ]),
    ).toEqual([
      ['row', 'ada', null],
      ['part', 'ada', 'teams'],
      ['part', 'ada', 'chat'],
      ['row', 'ben', null],
    ]);
    // Four rows of 18 pixels between the axis and the legend.
    const height = Number(doc.documentElement!.getAttribute('height'));
    expect(height).toBe(timelineSize({ rows: 4, rowHeight: 18 }).height);
    const chat = groups[2]!;
    expect(chat.getElementsByTagName('text')[0]!.textContent).toBe('chat');
    const bar = Array.from(chat.getElementsByTagName('rect')).find(
      (r) => r.getAttribute('class') === 'status',
    )!;
    expect([bar.getAttribute('data-status'), bar.getAttribute('y'), bar.getAttribute('height')]).toEqual([
      'available',
      String(56 + 2 * 18 + 3),
      String(18 - 6),
    ]);
    expect(bar.getElementsByTagName('title')[0]!.textContent).toBe(
      'Ada on chat: available 2026-03-23 09:00 to 2026-03-23 11:00',
    );
  });
});

function HOURS(n: number) {
  return n * 60 * MIN;
}

describe('pages', () => {
  it('makes one page per local day, or per run inside the range', () => {
    const range = {
      from: new Date(FROM + HOURS(6)),
      to: new Date(FROM + HOURS(24 * 7 - 1)),
      timeZone: 'Europe/Berlin',
    };
    const days = timelinePages(range, { by: 'day' });
    expect(days.map((d) => d.label)).toEqual([
      '2026-03-23',
      '2026-03-24',
      '2026-03-25',
      '2026-03-26',
      '2026-03-27',
      '2026-03-28',
      '2026-03-29',
    ]);
    expect(days[6]!.to.getTime() - days[6]!.from.getTime()).toBe(HOURS(23));
    const runs = [
      { id: '2', startedAt: new Date(FROM + HOURS(30)), endedAt: null },
      { id: '1', startedAt: new Date(FROM), endedAt: new Date(FROM + HOURS(10)) },
      { id: '0', startedAt: new Date(FROM - HOURS(10)), endedAt: new Date(FROM - HOURS(5)) },
    ];
    const pages = renderTimelinePages(
      { ...range, intervals: [], users: [{ id: 'a' }], now: new Date(FROM + HOURS(40)) },
      { by: 'run', runs },
    );
    expect(pages.map((p) => [p.label, (p.to.getTime() - p.from.getTime()) / HOURS(1)])).toEqual([
      ['run 1', 4],
      ['run 2', 10],
    ]);
    expect(pages[0]!.svg).toContain('>run 1</text>');
  });
});

describe('renderTimelinePng', () => {
  it('renders a non-empty PNG of the requested size', async () => {
    const { intervals, users } = fortnight();
    const options = {
      intervals: intervals.filter((i) => i.userId < 'u2'),
      users: users.slice(0, 12),
      from: new Date(FROM),
      to: new Date(FROM + HOURS(48)),
      timeZone: 'Europe/Berlin',
      width: 800,
    };
    const png = await renderTimelinePng({ ...options, scale: 2 });
    expect(Array.from(png.subarray(0, 8))).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
    // IHDR holds the width and height, big-endian, right after the signature and chunk header.
    expect(view.getUint32(16)).toBe(1600);
    // 56 px header + 12 rows of 18 px + 36 px legend = 308 px, twice over at scale 2.
    expect(view.getUint32(20)).toBe(308 * 2);
    expect(png.byteLength).toBeGreaterThan(2000);
    await expect(renderTimelinePng({ ...options, scale: 0 })).rejects.toThrow(/scale/);
  });
});
