import { readFile } from 'node:fs/promises';
import { buildReport, toCsv } from '@presence-tracker/core';
import { localDayStart } from '@presence-tracker/core/report';
import type { BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STATUS_LABEL } from '../../ui/src/components/status-label.ts';
import { presenceTracker } from './__fixtures__/command.ts';
import { type DashboardUnderTest, dashboardUnderTest } from './__fixtures__/dashboard.ts';
import { TEAMS } from './__fixtures__/tracked-days.ts';
import { seriousViolations } from './axe.ts';
import { barsExpected } from './bars.ts';
import { watchedPage } from './chromium.ts';
import { columnValues, figures, tableValues } from './report-table.ts';
import { screenshot } from './screenshots.ts';

let under: DashboardUnderTest;
let context: BrowserContext;

beforeAll(async () => {
  under = await dashboardUnderTest();
  context = await under.browser.newContext({
    baseURL: under.dashboard.url,
    timezoneId: under.data.timeZone,
    locale: 'en-GB',
    viewport: { width: 1280, height: 800 },
  });
}, 300_000);

afterAll(async () => {
  await context?.close();
  await under?.close();
});

/** A page of the dashboard, its heading, and what shows that its data has arrived. */
const PAGES = [
  { name: 'timeline', path: '/#/timeline', title: 'Timeline', ready: '.bar' },
  { name: 'timeline-week', path: '/#/timeline?view=week', title: 'Timeline', ready: '.bar' },
  { name: 'report', path: '/#/report', title: 'Report', ready: 'table.report tbody tr' },
  { name: 'report-groups', path: '/#/report?by=group', title: 'Report', ready: 'table.report tbody tr' },
  { name: 'person', path: '/#/people/sim-0002', title: 'Ben Okafor', ready: 'table.sessions tbody tr' },
  { name: 'runs', path: '/#/runs', title: 'Runs', ready: 'table.runs tbody tr' },
] as const;

async function open(path: string, ready: string) {
  const watched = await watchedPage(context);
  // The browser's clock stands where the data ends, so "today" is the tracked Monday.
  await watched.page.clock.setFixedTime(under.data.now);
  await watched.page.goto(path);
  await watched.page.locator(ready).first().waitFor();
  return watched;
}

describe('the dashboard in Chromium', { timeout: 120_000 }, () => {
  for (const { name, path, title, ready } of PAGES) {
    it(`${title}: loads without a console error and without a serious accessibility violation`, async () => {
      const { page, problems } = await open(path, ready);
      await expect.poll(() => page.locator('h1').textContent()).toBe(title);
      expect(await seriousViolations(page)).toEqual([]);
      // The day's picture shows a bar's tooltip too.
      if (name === 'timeline') await page.locator('.timeline-row .bar').nth(3).hover();
      await screenshot(page, name);
      expect(problems).toEqual([]);
      await page.close();
    });
  }

  it('is usable on a phone: nothing wider than the screen but the scrolling regions', async () => {
    const phone = await under.browser.newContext({
      baseURL: under.dashboard.url,
      timezoneId: under.data.timeZone,
      viewport: { width: 375, height: 740 },
      isMobile: true,
      hasTouch: true,
    });
    const page = await phone.newPage();
    await page.clock.setFixedTime(under.data.now);
    for (const { path, ready } of PAGES) {
      await page.goto(path);
      await page.locator(ready).first().waitFor();
      const overflow = await page.evaluate<number>(
        'document.documentElement.scrollWidth - window.innerWidth',
      );
      expect(overflow, path).toBeLessThanOrEqual(0);
    }
    await phone.close();
  });

  it('offers no sign-out where the server asks for no token', async () => {
    const { page, problems } = await watchedPage(context);
    await page.clock.setFixedTime(under.data.now);
    const session = page.waitForResponse((r) => new URL(r.url()).pathname === '/api/v1/session');
    await page.goto('/#/runs');
    expect(await (await session).json()).toEqual({ token: false });
    await page.locator('table.runs tbody tr').first().waitFor();
    expect(await page.getByRole('button', { name: 'Sign out' }).count()).toBe(0);
    expect(await page.locator('form.sign-out').count()).toBe(0);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('moves between pages with the keyboard alone', async () => {
    const { page, problems } = await open('/#/timeline', '.bar');
    await page.keyboard.press('Tab');
    await expect.poll(() => page.locator(':focus').textContent()).toBe('Skip to content');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator(':focus').getAttribute('id')).toBe('main');
    // From the top again: past the skip button to the navigation's links.
    await page.locator('.skip').focus();
    for (let tab = 0; tab < 10; tab++) {
      await page.keyboard.press('Tab');
      if ((await page.locator(':focus').textContent()) === 'Runs') break;
    }
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('h1').textContent()).toBe('Runs');
    // The new page's heading has the focus, so the next Tab starts on the page, not at the top.
    await expect.poll(() => page.locator(':focus').getAttribute('id')).toBe('page-title');
    expect(problems).toEqual([]);
    await page.close();
  });
});

describe('the pages show what the store holds', { timeout: 120_000 }, () => {
  for (const view of ['day', 'week'] as const) {
    it(`Timeline (${view}): one row per person, one bar per interval of the range`, async () => {
      const { page, problems } = await open(`/#/timeline?view=${view}&day=${under.data.day}`, '.bar');
      const { data } = under;
      const first = view === 'week' ? '2026-11-30' : data.day;
      const from = localDayStart(first, data.timeZone);
      const to = localDayStart(first, data.timeZone, view === 'week' ? 7 : 1);
      const users = await under.store.users();
      expect(await page.locator('.timeline-row').count()).toBe(users.length);
      let total = 0;
      for (const user of users) {
        const intervals = await under.store.intervals({ from, to, userIds: [user.id] });
        const expected = barsExpected(intervals, from, to, data.now);
        total += expected;
        expect(await page.locator(`[data-row="${user.id}"] .bar`).count(), user.id).toBe(expected);
      }
      expect(total).toBeGreaterThan(users.length);
      // The same range as a picture, from the API.
      const svg = await page.request.get(
        (await page.getByRole('link', { name: 'Download SVG' }).getAttribute('href'))!,
      );
      expect(svg.headers()['content-type']).toContain('image/svg+xml');
      for (const user of users) expect(await svg.text()).toContain(user.displayName!);
      expect(problems).toEqual([]);
      await page.close();
    });
  }

  it('Timeline: a bar tells its status and times on hover and to the keyboard', async () => {
    const { page } = await open(`/#/timeline?day=${under.data.day}`, '.bar');
    const user = (await under.store.users())[0]!;
    const from = localDayStart(under.data.day, under.data.timeZone);
    const [first] = await under.store.intervals({ from, to: under.data.now, userIds: [user.id] });
    const row = page.locator(`[data-row="${user.id}"]`);
    await row.locator('.bar').first().hover();
    await expect.poll(() => row.locator('.tooltip').textContent()).toContain(STATUS_LABEL[first!.status]);
    await row.locator('.track').focus();
    await page.keyboard.press('End');
    await expect.poll(() => row.locator('.tooltip').textContent()).toMatch(/to now/);
    await page.close();
  });

  it('Timeline: time no run observed lies under no bar, hatched, unlike offline', async () => {
    const { page } = await open(`/#/timeline?day=${under.data.day}`, '.bar');
    // Between the Monday's two runs (10:00 to 10:30) nobody was observed.
    const day = localDayStart(under.data.day, under.data.timeZone).getTime();
    const gap = [day + (10 * 60 + 5) * 60_000, day + (10 * 60 + 25) * 60_000];
    const bars = await page
      .locator('.bar')
      .evaluateAll((all) => all.map((bar) => [bar.getAttribute('data-start'), bar.getAttribute('data-end')]));
    expect(bars.length).toBeGreaterThan(0);
    const across = bars.filter(([start, end]) => Date.parse(start!) < gap[1]! && Date.parse(end!) > gap[0]!);
    expect(across).toEqual([]);
    const style = (selector: string) =>
      page.evaluate<string>(`getComputedStyle(document.querySelector('${selector}')).backgroundImage`);
    expect(await style('.track')).toContain('repeating-linear-gradient');
    expect(await style('.bar.s-offline')).toBe('none');
    await page.close();
  });

  it('Report: the table holds the figures of buildReport, by person, group, day or week, and sorts by any column', async () => {
    const { data } = under;
    const range = { from: data.previousDay, to: data.day };
    const { page, problems } = await open(
      `/#/report?from=${range.from}&to=${range.to}`,
      'table.report tbody tr',
    );
    const report = await buildReport({
      store: under.store,
      from: localDayStart(range.from, data.timeZone),
      to: localDayStart(range.to, data.timeZone, 1),
      timeZone: data.timeZone,
      now: data.now,
    });
    const shown = await tableValues(page);
    expect(shown).toEqual(Object.fromEntries(report.totals.map((row) => [row.userId, figures(row)])));

    await page.goto(`/#/report?from=${range.from}&to=${range.to}&by=day`);
    await expect.poll(() => page.locator('table.report tbody tr').count()).toBe(report.rows.length);
    expect(await tableValues(page, true)).toEqual(
      Object.fromEntries(report.rows.map((row) => [`${row.userId} ${row.day}`, figures(row)])),
    );

    // Each other grouping the API offers, chosen on the page and kept in the address.
    for (const [label, by, groupBy, totals] of [
      ['Person and week', 'week', 'week', false],
      ['Group', 'group', 'group', true],
      ['Group and day', 'group-day', 'group', false],
    ] as const) {
      await page.getByLabel('A row per').selectOption({ label });
      await expect.poll(() => new URL(page.url()).hash).toContain(`by=${by}`);
      const grouped = await buildReport({
        store: under.store,
        from: localDayStart(range.from, data.timeZone),
        to: localDayStart(range.to, data.timeZone, 1),
        timeZone: data.timeZone,
        groupBy,
        now: data.now,
      });
      const expected = Object.fromEntries(
        (totals ? grouped.totals : grouped.rows).map((row) => [
          totals ? row.userId : `${row.userId} ${row.day}`,
          figures(row),
        ]),
      );
      await expect.poll(() => tableValues(page, !totals), { timeout: 20_000 }).toEqual(expected);
      expect(Object.keys(expected).length).toBeGreaterThan(1);
      if (groupBy === 'group') {
        // A row per team, its name shown, people in both counted in each.
        for (const team of TEAMS) {
          const row = page.locator(`table.report tbody tr[data-user="${team.kind}:${team.id}"]`).first();
          expect(await row.locator('th').textContent()).toBe(`${team.name} (${team.kind})`);
        }
      }
    }
    await page.reload();
    await page.locator('table.report tbody tr').first().waitFor();
    expect(await page.getByLabel('A row per').inputValue()).toBe('group-day');
    await page.getByLabel('A row per').selectOption({ label: 'Person and day' });

    await page.getByRole('button', { name: 'Available', exact: true }).click();
    await expect.poll(() => page.locator('th[aria-sort]').textContent()).toContain('Available');
    const ascending = await columnValues(page, 'available');
    expect(ascending).toEqual([...ascending].sort((a, b) => a - b));
    await page.getByRole('button', { name: 'Available', exact: true }).click();
    await expect.poll(() => page.locator('th[aria-sort]').getAttribute('aria-sort')).toBe('descending');
    const descending = await columnValues(page, 'available');
    expect(descending).toEqual([...ascending].reverse());
    expect(new Set(descending).size).toBeGreaterThan(1);
    expect(problems).toEqual([]);
    await page.close();
  });

  it("Report: the CSV download holds the command's CSV for the same days and zone, cut as the page is", async () => {
    const { data } = under;
    const day = data.previousDay;
    const { page, problems } = await open(`/#/report?from=${day}&to=${day}`, 'table.report tbody tr');
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: 'Download CSV' }).click(),
    ]);
    const downloaded = await readFile((await download.path())!, 'utf8');
    const command = await presenceTracker(
      [
        'report',
        '--config',
        data.config,
        '--from',
        day,
        '--to',
        day,
        '--time-zone',
        data.timeZone,
        '--format',
        'csv',
      ],
      data.dir,
    );
    expect(downloaded).toBe(command);
    expect(downloaded.split('\n').length).toBeGreaterThan(data.users);

    // A row per group on the page, a line per group (and day) in the CSV, as core's toCsv writes it.
    await page.getByLabel('A row per').selectOption({ label: 'Group' });
    await page.locator(`table.report tbody tr[data-user="${TEAMS[0]!.kind}:${TEAMS[0]!.id}"]`).waitFor();
    const [grouped] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: 'Download CSV' }).click(),
    ]);
    const report = await buildReport({
      store: under.store,
      from: localDayStart(day, data.timeZone),
      to: localDayStart(day, data.timeZone, 1),
      timeZone: data.timeZone,
      groupBy: 'group',
      now: data.now,
    });
    expect(await readFile((await grouped.path())!, 'utf8')).toBe(toCsv(report));
    expect(report.totals.map((row) => row.userId)).toContain(`${TEAMS[0]!.kind}:${TEAMS[0]!.id}`);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('Person: 14 days of one person, their sessions and their unavailable periods', async () => {
    const { data } = under;
    const id = 'sim-0002';
    const { page, problems } = await open(`/#/people/${id}`, 'table.sessions tbody tr');
    const from = localDayStart(data.day, data.timeZone, -13);
    const to = localDayStart(data.day, data.timeZone, 1);
    const [intervals, sessions] = await Promise.all([
      under.store.intervals({ from, to, userIds: [id] }),
      under.store.sessions({ from, to, userIds: [id] }),
    ]);
    // The chart, the sessions and the periods arrive in their own answers.
    await expect.poll(() => page.locator('.timeline-row').count()).toBe(14);
    let bars = 0;
    for (let day = 0; day < 14; day++) {
      bars += barsExpected(
        intervals,
        localDayStart(data.day, data.timeZone, -day),
        localDayStart(data.day, data.timeZone, 1 - day),
        data.now,
      );
    }
    await expect.poll(() => page.locator('.timeline-row .bar').count()).toBe(bars);
    expect(await page.locator('table.sessions tbody tr').count()).toBe(sessions.length);
    await expect
      .poll(() => page.locator('table.unavailable tbody tr').count())
      .toBe(intervals.filter((i) => i.status !== 'available').length);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('Runs: each run of the last 14 days', async () => {
    const { data } = under;
    const { page, problems } = await open('/#/runs', 'table.runs tbody tr');
    const runs = await under.store.runs({
      from: localDayStart(data.day, data.timeZone, -13),
      to: localDayStart(data.day, data.timeZone, 1),
    });
    expect(runs).toHaveLength(3);
    expect(await page.locator('table.runs tbody tr').count()).toBe(runs.length);
    expect(await page.locator('table.runs tbody tr').first().textContent()).toContain('running');
    for (const run of runs) {
      const sessions = await under.store.sessions({ from: run.startedAt, to: run.endedAt ?? data.now });
      const row = page.locator(`tr[data-run="${run.id}"]`);
      await expect
        .poll(() => row.locator('td[data-key="sessions"]').textContent())
        .toBe(String(sessions.length));
      expect(await row.locator('td[data-key="people"]').textContent()).toBe(
        String(new Set(sessions.map((s) => s.userId)).size),
      );
    }
    expect(problems).toEqual([]);
    await page.close();
  });
});
