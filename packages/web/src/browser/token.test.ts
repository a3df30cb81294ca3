import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DashboardUnderTest, dashboardUnderTest } from './__fixtures__/dashboard.ts';
import { seriousViolations } from './axe.ts';
import { watchedPage } from './chromium.ts';
import { screenshot } from './screenshots.ts';

const TOKEN = 'correct horse battery staple';

let under: DashboardUnderTest;

beforeAll(async () => {
  under = await dashboardUnderTest({ token: TOKEN });
}, 300_000);

afterAll(async () => {
  await under?.close();
});

/** A browser with no cookie yet, in the data's zone, its clock where the data ends. */
async function signedOutBrowser() {
  const context = await under.browser.newContext({
    baseURL: under.dashboard.url,
    timezoneId: under.data.timeZone,
    locale: 'en-GB',
  });
  const { page, problems } = await watchedPage(context);
  await page.clock.setFixedTime(under.data.now);
  return { context, page, problems };
}

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

  it('shows the styled login form instead of a page; a wrong token is refused, the right one opens the page and view asked for', async () => {
    const { context, page, problems } = await signedOutBrowser();
    const view = `/#/report?from=${under.data.previousDay}&to=${under.data.day}&by=day`;

    const first = await page.goto(view);
    expect(first?.status()).toBe(401);
    expect(await page.locator('table').count()).toBe(0);
    const token = page.getByLabel(/token/i);
    await token.waitFor();
    // Its own stylesheet, served without the token: the button wears the dashboard's accent.
    await expect
      .poll(() =>
        page.evaluate<string>(
          `getComputedStyle(document.querySelector('button[type=submit]')).backgroundColor`,
        ),
      )
      .toBe('rgb(5, 80, 174)');
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'login');
    // On a phone's width the form fits, with nothing to scroll sideways.
    await page.setViewportSize({ width: 375, height: 740 });
    expect(
      await page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth'),
    ).toBeLessThanOrEqual(0);
    const button = (await page.getByRole('button', { name: /sign in/i }).boundingBox())!;
    expect(button.x + button.width).toBeLessThanOrEqual(375);
    await page.setViewportSize({ width: 1280, height: 720 });

    // The keyboard alone: the token field has the focus, Enter sends the form.
    await expect.poll(() => page.evaluate<string>('document.activeElement.id')).toBe('token');
    await page.keyboard.type('not the token');
    const [refused] = await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
    expect(refused?.status()).toBe(401);
    await page.getByRole('alert').waitFor();
    expect(await page.getByRole('alert').textContent()).toBe('That token is wrong.');
    expect(await seriousViolations(page)).toEqual([]);

    await expect.poll(() => page.evaluate<string>('document.activeElement.id')).toBe('token');
    await page.keyboard.type(TOKEN);
    await page.keyboard.press('Enter');
    // The page and the view asked for, though the fragment never reached the server.
    await page.locator('table.report tbody tr').first().waitFor();
    expect(new URL(page.url()).hash).toBe(new URL(view, under.dashboard.url).hash);
    expect(await page.locator('h1').textContent()).toBe('Report');
    expect(await page.locator('table.report tbody tr[data-day]').count()).toBeGreaterThan(under.data.users);
    const cookies = await context.cookies();
    expect(cookies.map((c) => [c.httpOnly, c.sameSite])).toEqual([[true, 'Strict']]);
    expect(cookies[0]!.value).not.toContain(TOKEN);

    // The two refusals above are the only errors the browser saw.
    expect(problems.filter((p) => !/\b401\b/.test(p))).toEqual([]);
    await context.close();
  });

  it('offers to sign out in the header once signed in; signing out clears the cookie and shows the form again', async () => {
    const { context, page, problems } = await signedOutBrowser();
    await page.goto(`/login?next=${encodeURIComponent('/#/runs')}`);
    await page.getByLabel(/token/i).fill(TOKEN);
    await page.getByRole('button', { name: /sign in/i }).click();
    await page.locator('table.runs tbody tr').first().waitFor();
    const signOut = page.getByRole('button', { name: 'Sign out' });
    await signOut.waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    // In the header, on a phone's width too, without anything to scroll sideways.
    expect(await page.locator('header.top').getByRole('button', { name: 'Sign out' }).count()).toBe(1);
    await page.setViewportSize({ width: 375, height: 740 });
    expect(
      await page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth'),
    ).toBeLessThanOrEqual(0);
    const box = (await signOut.boundingBox())!;
    expect(box.x + box.width).toBeLessThanOrEqual(375);
    await page.setViewportSize({ width: 1280, height: 720 });
    expect(await context.cookies()).toHaveLength(1);

    await Promise.all([page.waitForURL(`${under.dashboard.url}/login`), signOut.click()]);
    await page.getByLabel(/token/i).waitFor();
    expect(await context.cookies()).toEqual([]);
    // Signed out for good: a page asked for again gets the form, and the API refuses.
    const again = await page.goto('/#/report');
    expect(again?.status()).toBe(401);
    await page.getByLabel(/token/i).waitFor();
    expect(await page.locator('table').count()).toBe(0);
    const api = await page.evaluate<number>("fetch('/api/v1/people').then((r) => r.status)");
    expect(api).toBe(401);
    expect(problems.filter((p) => !/\b401\b/.test(p))).toEqual([]);
    await context.close();
  });

  it('signs in from /login?next=PATH to that path, and refuses any other origin', async () => {
    const origin = new URL(under.dashboard.url).origin;
    const cases = [
      [`/login?next=${encodeURIComponent('/#/runs')}`, '/#/runs'],
      ['/login?next=//evil.example', '/'],
      ['/login?next=https://evil.example', '/'],
      [`/login?next=${encodeURIComponent('/\\evil.example')}`, '/'],
      [`/login?next=${encodeURIComponent('/\t/evil.example')}`, '/'],
    ] as const;
    for (const [path, landing] of cases) {
      const context = await under.browser.newContext({ baseURL: under.dashboard.url });
      const { page, problems } = await watchedPage(context);
      await page.clock.setFixedTime(under.data.now);
      const requests: string[] = [];
      page.on('request', (request) => requests.push(new URL(request.url()).origin));
      await page.goto(path);
      await page.getByLabel(/token/i).fill(TOKEN);
      await Promise.all([
        page.waitForURL(`${origin}${landing}`),
        page.getByRole('button', { name: /sign in/i }).click(),
      ]);
      await page.locator('h1').waitFor();
      expect(
        requests.filter((o) => o !== origin),
        path,
      ).toEqual([]);
      expect(problems, path).toEqual([]);
      await context.close();
    }
  });
});
