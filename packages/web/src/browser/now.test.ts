import { simulatedProvider } from '@presence-tracker/core';
import type { BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TrackerInAnotherProcess, trackerInAnotherProcess } from './__fixtures__/another-process.ts';
import { type DashboardUnderTest, dashboardUnderTest } from './__fixtures__/dashboard.ts';
import { firstChange, TEAMS } from './__fixtures__/tracked-days.ts';
import { seriousViolations } from './axe.ts';
import { watchedPage } from './chromium.ts';
import { screenshot } from './screenshots.ts';

const MINUTE = 60_000;

let under: DashboardUnderTest;
let tracker: TrackerInAnotherProcess | undefined;

beforeAll(async () => {
  under = await dashboardUnderTest();
}, 300_000);

afterAll(async () => {
  await tracker?.stop();
  await under?.close();
});

async function open(context: BrowserContext) {
  const watched = await watchedPage(context);
  // The browser's clock stands where the data ends, as the server's does.
  await watched.page.clock.setFixedTime(under.data.now);
  await watched.page.goto('/#/now');
  await watched.page.locator('.person').first().waitFor();
  return watched;
}

describe('the Now page', { timeout: 120_000 }, () => {
  it('loads without a console error and without a serious accessibility violation, on a desk and on a phone', async () => {
    for (const [name, options] of [
      ['now', { viewport: { width: 1280, height: 800 } }],
      ['now-phone', { viewport: { width: 375, height: 740 }, isMobile: true, hasTouch: true }],
    ] as const) {
      const context = await under.browser.newContext({
        baseURL: under.dashboard.url,
        timezoneId: under.data.timeZone,
        locale: 'en-GB',
        ...options,
      });
      const { page, problems } = await open(context);
      await expect.poll(() => page.locator('h1').textContent()).toBe('Now');
      await page.getByText('Live', { exact: true }).waitFor();
      expect(await seriousViolations(page)).toEqual([]);
      expect(
        await page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth'),
      ).toBeLessThanOrEqual(0);
      await screenshot(page, name);
      expect(problems).toEqual([]);
      await context.close();
    }
  });

  it('Now: everyone in their teams with their current status, as the store has it', async () => {
    const context = await under.browser.newContext({ baseURL: under.dashboard.url });
    const { page, problems } = await open(context);
    const users = await under.store.users();
    const { intervals } = await under.store.openState();
    const current = new Map(intervals.map((i) => [i.userId, i.status]));

    for (const team of TEAMS) {
      const section = page.getByRole('region', { name: new RegExp(`^${team.name}`) });
      const members = users.filter((u) => u.groups?.some((g) => g.id === team.id));
      await expect.poll(() => section.locator('.person').count()).toBe(members.length);
      for (const member of members) {
        const card = section.locator(`[data-user="${member.id}"]`);
        expect(await card.getAttribute('data-status')).toBe(current.get(member.id) ?? 'unobserved');
        expect(await card.getByRole('link').textContent()).toBe(member.displayName);
      }
    }
    const reachable = users.filter((u) => current.get(u.id) === 'available').length;
    expect(await page.locator('.summary').textContent()).toBe(`${reachable} of ${users.length} reachable`);
    expect(problems).toEqual([]);
    await context.close();
  });

  // Last: its tracker writes to the file the other tests read.
  it('shows a status change written by a tracker in another process within 5 s, without a reload', async () => {
    const { data } = under;
    const sim = simulatedProvider({ users: data.users, seed: data.seed, timeZone: data.timeZone });
    const start = new Date(data.now.getTime() + MINUTE);
    const change = firstChange(data, await under.store.users(), start);

    tracker = await trackerInAnotherProcess(data, start);

    const context = await under.browser.newContext({
      baseURL: under.dashboard.url,
      timezoneId: data.timeZone,
    });
    const { page, problems } = await watchedPage(context);
    await page.goto('/#/now');
    const card = page.locator(`[data-user="${change.userId}"]`).first();
    await expect.poll(() => card.getAttribute('data-status')).toBe(sim.statusAt(change.userId, start));
    await page.getByText('Live', { exact: true }).waitFor();
    let navigations = 0;
    page.on('framenavigated', () => navigations++);

    // Minute by minute up to the change, as a tracker polls.
    for (let at = start.getTime() + MINUTE; at <= change.at.getTime(); at += MINUTE) {
      await tracker.poll(new Date(at));
    }
    // The write is committed: the page has 5 s (the bound) to show it.
    await card.and(page.locator(`[data-status="${change.status}"]`)).waitFor({ timeout: 5_000 });
    expect(navigations).toBe(0);
    expect(problems).toEqual([]);
    await context.close();
  });
});
