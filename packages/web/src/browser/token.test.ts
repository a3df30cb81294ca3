import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DashboardUnderTest, dashboardUnderTest } from './__fixtures__/dashboard.ts';
import { seriousViolations } from './axe.ts';
import { watchedPage } from './chromium.ts';

const TOKEN = 'correct horse battery staple';

let under: DashboardUnderTest;

beforeAll(async () => {
  under = await dashboardUnderTest({ token: TOKEN });
}, 300_000);

afterAll(async () => {
  await under?.close();
});

describe('a dashboard with a token', { timeout: 120_000 }, () => {
  it('answers the API only to the right bearer token', async () => {
    const url = `${under.dashboard.url}/api/v1/people`;
    const none = await fetch(url);
    expect(none.status).toBe(401);
    const wrong = await fetch(url, { headers: { authorization: 'Bearer not the token' } });
    expect(wrong.status).toBe(401);
    expect(await wrong.text()).not.toContain(TOKEN);
    const right = await fetch(url, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(right.status).toBe(200);
    const body = (await right.json()) as { people: unknown[] };
    expect(body.people).toHaveLength(under.data.users);
  });

  it('shows the login form instead of a page; a wrong token is refused, the right one opens the dashboard', async () => {
    const context = await under.browser.newContext({
      baseURL: under.dashboard.url,
      timezoneId: under.data.timeZone,
    });
    const { page, problems } = await watchedPage(context);

    const first = await page.goto('/#/report');
    expect(first?.status()).toBe(401);
    expect(await page.locator('table').count()).toBe(0);
    const token = page.getByLabel(/token/i);
    await token.waitFor();
    expect(await seriousViolations(page)).toEqual([]);

    // The form that asks to come back to the report afterwards.
    await page.goto(`/login?next=${encodeURIComponent('/#/report')}`);
    await token.fill('not the token');
    const [refused] = await Promise.all([
      page.waitForNavigation(),
      page.getByRole('button', { name: /sign in/i }).click(),
    ]);
    expect(refused?.status()).toBe(401);
    await page.getByRole('alert').waitFor();

    await page.getByLabel(/token/i).fill(TOKEN);
    await page.getByRole('button', { name: /sign in/i }).click();
    await page.locator('table.report tbody tr').first().waitFor();
    expect(await page.locator('h1').textContent()).toBe('Report');
    const cookies = await context.cookies();
    expect(cookies.map((c) => [c.httpOnly, c.sameSite])).toEqual([[true, 'Strict']]);
    expect(cookies[0]!.value).not.toContain(TOKEN);

    // The two refusals above are the only errors the browser saw.
    expect(problems.filter((p) => !/\b401\b/.test(p))).toEqual([]);
    await context.close();
  });
});
