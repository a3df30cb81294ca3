import { memoryStore } from '@presence-tracker/core';
import { describe, expect, it } from 'vitest';
import { contract } from './__fixtures__/contract.ts';
import { COOKIE } from './auth.ts';
import { createDashboard } from './dashboard.ts';

const TOKEN = 's3cret-token-of-the-dashboard';

describe('the token gate', () => {
  const { app } = createDashboard({ store: memoryStore(), token: TOKEN });
  const api = contract();

  it('refuses the API without the token and with a wrong one, and answers with it', async () => {
    for (const path of ['/api/v1/people', '/api/v1/openapi.json', '/metrics']) {
      const none = await app.request(path);
      expect(none.status, path).toBe(401);
      expect(none.headers.get('www-authenticate')).toContain('Bearer');
      expect(await api.check('GET', path, none)).toEqual([]);
      const wrong = await app.request(path, { headers: { authorization: 'Bearer nope' } });
      expect(wrong.status, path).toBe(401);
      expect(await api.check('GET', path, wrong)).toEqual([]);
      expect(await wrong.text()).not.toContain(TOKEN);
      const right = await app.request(path, { headers: { authorization: `Bearer ${TOKEN}` } });
      expect(right.status, path).toBe(200);
    }
  });

  it('shows the login page for a page, and lets /healthz through', async () => {
    const page = await app.request('/report');
    expect(page.status).toBe(401);
    const html = await page.text();
    expect(html).toContain('<form method="post" action="/login">');
    expect(html).toContain('name="next" value="/report"');
    expect(html).not.toContain('<script');
    expect((await app.request('/healthz')).status).toBe(200);
  });

  it('signs in through the form with an HttpOnly, SameSite=Strict cookie that does not hold the token', async () => {
    const form = (token: string, next: string) =>
      app.request('/login', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ token, next }).toString(),
      });
    const wrong = await form('guess', '/report');
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('set-cookie')).toBeNull();

    const right = await form(TOKEN, '/report');
    expect(right.status).toBe(303);
    expect(right.headers.get('location')).toBe('/report');
    const cookie = right.headers.get('set-cookie') ?? '';
    expect(cookie).toContain(`${COOKIE}=`);
    expect(cookie).toContain('HttpOnly');
    expect(cookie).toContain('SameSite=Strict');
    expect(cookie).not.toContain(TOKEN);

    const pair = cookie.split(';')[0]!;
    const people = await app.request('/api/v1/people', { headers: { cookie: pair } });
    expect(people.status).toBe(200);
    expect((await app.request('/api/v1/people', { headers: { cookie: `${COOKIE}=forged` } })).status).toBe(
      401,
    );

    // Only paths on this server are followed after signing in.
    for (const next of ['https://elsewhere.example/', '//elsewhere.example/', '/\\elsewhere.example']) {
      expect((await form(TOKEN, next)).headers.get('location')).toBe('/');
    }
  });

  it('signs out by clearing the cookie', async () => {
    const res = await app.request('/logout', { method: 'POST' });
    expect(res.status).toBe(303);
    expect(res.headers.get('set-cookie')).toMatch(new RegExp(`${COOKIE}=;.*Max-Age=0`));
  });
});
