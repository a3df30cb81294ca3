import { type Interval, STATUSES } from '@presence-tracker/core';
import { renderTimeline } from '@presence-tracker/core/timeline';
import { type BenchRow, measure } from './lib.ts';

const USERS = 50;
const DAYS = 14;
const MIN = 60_000;
const FROM = Date.UTC(2026, 2, 22, 23); // 2026-03-23 00:00 in Berlin; the clocks change on the 29th
const TO = FROM + DAYS * 86_400_000 - 3_600_000;

/** Render time of 50 people over 14 days, against writing the same rectangles with plain arithmetic. */
export default async function timeline(): Promise<BenchRow[]> {
  const intervals: Interval[] = [];
  for (let u = 0; u < USERS; u++) {
    for (let d = 0; d < DAYS; d++) {
      let t = FROM + d * 86_400_000 + (8 * 60 + (u % 30)) * MIN;
      for (let k = 0; k < 12; k++) {
        const length = (20 + ((u * 7 + k * 13) % 40)) * MIN;
        intervals.push({
          userId: `u${u}`,
          status: STATUSES[(u + d + k) % STATUSES.length]!,
          startedAt: new Date(t),
          endedAt: new Date(t + length),
        });
        t += length + (k % 3 === 0 ? 15 * MIN : 0);
      }
    }
  }
  const users = Array.from({ length: USERS }, (_, u) => ({ id: `u${u}`, displayName: `Person ${u}` }));
  const options = {
    intervals,
    users,
    from: new Date(FROM),
    to: new Date(TO),
    timeZone: 'Europe/Berlin',
    width: 1600,
  };

  let bytes = 0;
  const renderMs = await measure(() => {
    bytes = renderTimeline(options).length;
  });
  // Baseline: one rect string per interval, positioned by hand, no scale, time zone, titles or escaping.
  const baselineMs = await measure(() => {
    const perMs = (1600 - 176) / (TO - FROM);
    const rows = new Map(users.map((u, i) => [u.id, i]));
    const out: string[] = [];
    for (const i of intervals) {
      const x = 160 + (i.startedAt.getTime() - FROM) * perMs;
      const w = (i.endedAt!.getTime() - i.startedAt.getTime()) * perMs;
      out.push(`<rect x="${x}" y="${56 + rows.get(i.userId)! * 18}" width="${w}" height="16" fill="#888"/>`);
    }
    return out.join('\n').length;
  });
  return [
    {
      name: `renderTimeline, ${USERS} users x ${DAYS} days (${intervals.length.toLocaleString('en-US')} intervals)`,
      value: renderMs,
      unit: 'ms',
      baseline: { name: 'the same rect strings without scales', value: baselineMs },
      note: `${Math.round(bytes / 1024)} KiB of SVG`,
    },
  ];
}
