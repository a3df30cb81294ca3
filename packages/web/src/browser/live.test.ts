import { buildReport } from '@presence-tracker/core';
import { localDayStart } from '@presence-tracker/core/report';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serve } from '../server/serve.ts';
import { type TrackerInAnotherProcess, trackerInAnotherProcess } from './__fixtures__/another-process.ts';
import { type DashboardUnderTest, dashboardUnderTest } from './__fixtures__/dashboard.ts';
import { firstChange } from './__fixtures__/tracked-days.ts';
import { barsExpected } from './bars.ts';
import { watchedPage } from './chromium.ts';
import { figures, tableValues } from './report-table.ts';

const MINUTE = 60_000;

let under: DashboardUnderTest;
let tracker: TrackerInAnotherProcess | undefined;
/** The server's clock, moved on with the other process's polls, so its report counts up to them. */
let serverNow: Date;
/** Where the other process's last poll stands. */
let polledUpTo: Date | undefined;

beforeAll(async () => {
  under = await dashboardUnderTest({ now: () => serverNow });
  serverNow = under.data.now;
}, 300_000);

afterAll(async () => {
  await tracker?.stop();
  await under?.close();
});

/**
 * Marks what a page shows, so a test can tell that it was changed in place: a page read again that
 * replaced its content (a flicker of the whole page, a lost focus) loses the mark.
 */
async function mark(page: Page, selector: string) {
  await page
    .locator(selector)
    .first()
    .evaluate((element) => {
      (element as unknown as { liveMark: boolean }).liveMark = true;
    });
}
const marked = (page: Page, selector: string) =>
  page
    .locator(selector)
    .first()
    .evaluate((element) => (element as unknown as { liveMark?: boolean }).liveMark === true);

describe('every page follows the tracker', { timeout: 180_000 }, () => {
  it('shows what a tracker in another process writes on the Timeline, Runs, Report and Person pages, without a reload', async () => {
    const { data } = under;
    const users = await under.store.users();
    const start = new Date(data.now.getTime() + MINUTE);
    const change = firstChange(data, users, start);
    const day = {
      from: localDayStart(data.day, data.timeZone),
      to: localDayStart(data.day, data.timeZone, 1),
    };
    // The browser's clock a minute past the change, so the bar it opens has a length.
    const browserNow = new Date(change.at.getTime() + MINUTE);
    const context: BrowserContext = await under.browser.newContext({
      baseURL: under.dashboard.url,
      timezoneId: data.timeZone,
      locale: 'en-GB',
      viewport: { width: 1024, height: 420 },
    });
    const open = async (path: string, ready: string) => {
      const watched = await watchedPage(context);
      await watched.page.clock.setFixedTime(browserNow);
      await watched.page.goto(path);
      await watched.page.locator(ready).first().waitFor();
      await watched.page.getByText('Live', { exact: true }).waitFor();
      let navigations = 0;
      watched.page.on('framenavigated', () => navigations++);
      return { ...watched, navigations: () => navigations };
    };

    const timeline = await open(`/#/timeline?day=${data.day}`, '.bar');
    const runs = await open('/#/runs', 'table.runs tbody tr');
    const report = await open(`/#/report?from=${data.day}&to=${data.day}`, 'table.report tbody tr');
    const person = await open(`/#/people/${change.userId}?day=${data.day}`, 'table.sessions tbody tr');

    // On the Timeline: the changing person's row has the focus and its first bar's tooltip open (a
    // period closed when the morning's run ended, so its words stay), and the page is scrolled; all of
    // it must stay as it is through the update.
    const row = timeline.page.locator(`[data-row="${change.userId}"]`);
    await row.locator('.track').focus();
    await timeline.page.keyboard.press('Home');
    const tooltip = await row.locator('.tooltip').textContent();
    expect(tooltip).toBeTruthy();
    await timeline.page.evaluate('window.scrollTo(0, 120)');
    const scrolled = await timeline.page.evaluate<number>('window.scrollY');
    expect(scrolled).toBeGreaterThan(0);
    await mark(timeline.page, '.timeline');
    await mark(runs.page, 'table.runs');
    await mark(report.page, 'table.report');
    const barsBefore = await row.locator('.bar').count();
    const runsBefore = await runs.page.locator('table.runs tbody tr').count();

    // Another process tracks on from the data's end, minute by minute, up to the change.
    tracker = await trackerInAnotherProcess(data, start);
    for (let at = start.getTime() + MINUTE; at <= change.at.getTime(); at += MINUTE) {
      serverNow = new Date(at);
      await tracker.poll(new Date(at));
    }
    serverNow = change.at;
    polledUpTo = change.at;

    // Timeline: the new run's periods and the change are bars of their own in the person's row, as in
    // the store (the new run ended the one left open at the data's end, and began its own).
    const intervals = await under.store.intervals({ ...day, userIds: [change.userId] });
    const bars = barsExpected(intervals, day.from, day.to, browserNow);
    expect(bars).toBeGreaterThan(barsBefore);
    await expect.poll(() => row.locator('.bar').count(), { timeout: 10_000 }).toBe(bars);
    expect(await row.locator('.bar').last().getAttribute('data-status')).toBe(change.status);
    expect(await row.locator('.tooltip').textContent()).toBe(tooltip);
    expect(await timeline.page.evaluate<string>('document.activeElement.parentElement.dataset.row')).toBe(
      change.userId,
    );
    expect(await timeline.page.evaluate<number>('window.scrollY')).toBe(scrolled);
    expect(await marked(timeline.page, '.timeline')).toBe(true);

    // Runs: the other process's run, running, beside the earlier ones, as in the store.
    const stored = await under.store.runs({
      from: localDayStart(data.day, data.timeZone, -13),
      to: day.to,
    });
    expect(stored.length).toBe(runsBefore + 1);
    const newest = stored.find((r) => r.startedAt.getTime() === start.getTime());
    expect(newest).toBeDefined();
    const newRow = runs.page.locator(`tr[data-run="${newest!.id}"]`);
    await newRow.waitFor({ timeout: 10_000 });
    expect(await runs.page.locator('table.runs tbody tr').count()).toBe(stored.length);
    expect(await newRow.locator('td[data-key="ended"]').textContent()).toBe('running');
    expect(await runs.page.getByRole('cell', { name: 'running', exact: true }).count()).toBe(1);
    expect(await marked(runs.page, 'table.runs')).toBe(true);

    // Report: the day's figures as buildReport gives them at the server's instant.
    const expected = await buildReport({
      store: under.store,
      ...day,
      timeZone: data.timeZone,
      now: change.at,
    });
    await expect
      .poll(() => tableValues(report.page), { timeout: 10_000 })
      .toEqual(Object.fromEntries(expected.totals.map((r) => [r.userId, figures(r)])));
    expect(await marked(report.page, 'table.report')).toBe(true);

    // Person: the new period in the day's row, and their status now.
    await expect
      .poll(() => person.page.locator('.timeline-row').first().locator('.bar').count(), { timeout: 10_000 })
      .toBe(bars);
    await expect
      .poll(() => person.page.locator('.person-head .badge').getAttribute('data-status'))
      .toBe(change.status);

    for (const page of [timeline, runs, report, person]) {
      expect(page.navigations()).toBe(0);
      expect(page.problems).toEqual([]);
    }
    await context.close();
  });

  it('reads everything again when the stream comes back after the server was away, though nobody told it what was written meanwhile', async () => {
    const { data } = under;
    if (!tracker || !polledUpTo) throw new Error('the tracker in another process did not run');
    const from = polledUpTo;
    const change = firstChange(data, await under.store.users(), from);
    const day = {
      from: localDayStart(data.day, data.timeZone),
      to: localDayStart(data.day, data.timeZone, 1),
    };
    const browserNow = new Date(change.at.getTime() + MINUTE);
    // A dashboard of its own over the same file, to stop and start again on the same port.
    const options = { store: under.store, uiDir: under.uiDir, timeZone: data.timeZone, now: () => serverNow };
    let dashboard = await serve({ ...options, port: 0 });
    const port = Number(new URL(dashboard.url).port);
    const context = await under.browser.newContext({ baseURL: dashboard.url, timezoneId: data.timeZone });
    try {
      const { page, problems } = await watchedPage(context);
      await page.clock.setFixedTime(browserNow);
      await page.goto(`/#/timeline?day=${data.day}`);
      const row = page.locator(`[data-row="${change.userId}"]`);
      await row.locator('.bar').first().waitFor();
      await page.getByText('Live', { exact: true }).waitFor();
      const before = await row.locator('.bar').count();

      await dashboard.close();
      await page.getByText('Reconnecting…', { exact: true }).waitFor();
      for (let at = from.getTime() + MINUTE; at <= change.at.getTime(); at += MINUTE) {
        serverNow = new Date(at);
        await tracker.poll(new Date(at));
      }
      polledUpTo = change.at;
      dashboard = await serve({ ...options, port });

      await page.getByText('Live', { exact: true }).waitFor({ timeout: 30_000 });
      const intervals = await under.store.intervals({ ...day, userIds: [change.userId] });
      const bars = barsExpected(intervals, day.from, day.to, browserNow);
      expect(bars).toBeGreaterThan(before);
      await expect.poll(() => row.locator('.bar').count(), { timeout: 10_000 }).toBe(bars);
      expect(await row.locator('.bar').last().getAttribute('data-status')).toBe(change.status);
      // The browser says the stream was cut and then refused while the server was away, and a
      // response still in flight as the server closed (the favicon, fetched when the browser gets to
      // it) cut short; nothing else went wrong.
      expect(
        problems.filter(
          (p) =>
            !/api\/v1\/events|ERR_CONNECTION_REFUSED|ERR_INCOMPLETE_CHUNKED_ENCODING|ERR_CONTENT_LENGTH_MISMATCH/.test(
              p,
            ),
        ),
      ).toEqual([]);
    } finally {
      await context.close();
      await dashboard.close();
    }
  });
});
