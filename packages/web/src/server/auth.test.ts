import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { memoryStore } from '@presence-tracker/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contract } from './__fixtures__/contract.ts';
import { COOKIE, safeNext } from './auth.ts';
import { createDashboard } from './dashboard.ts';

const TOKEN = 's3cret-token-of-the-dashboard';

/** Where Vite copies the sign-in form's stylesheet and script from, as they are. */
const PUBLIC = fileURLToPath(new URL('../../ui/public/', import.meta.url));

describe('the token gate', () => {
  let uiDir: string;
  let app: ReturnType<typeof createDashboard>['app'];
  const api = contract();

  beforeAll(async () => {
    // The built pages as far as the gate cares: the public folder, and a shell and an asset it guards.
    uiDir = await mkdtemp(join(tmpdir(), 'presence-web-auth-'));
    await cp(PUBLIC, uiDir, { recursive: true });
    await writeFile(join(uiDir, 'index.html'), '<!doctype html><title>the pages</title>');
    await writeFile(join(uiDir, 'app.js'), 'the pages script');
    app = createDashboard({ store: memoryStore(), token: TOKEN, uiDir }).app;
  });

  afterAll(async () => {
    await rm(uiDir, { recursive: true, force: true });
  });

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
    const page = await app.request('/report?from=2026-03-02');
    expect(page.status).toBe(401);
    const html = await page.text();
    expect(html).toContain('<form method="post" action="/login">');
    expect(html).toContain('name="next" value="/report?from=2026-03-02"');
    // Scripts and styles only from files, as the CSP demands.
    expect(html.match(/<script[^>]*>/g)).toEqual(['<script type="module" src="/login.js">']);
    expect(html).not.toMatch(/<style|style=/);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect((await app.request('/healthz')).status).toBe(200);
  });

  it("serves the form's stylesheet and script without the token, and nothing else of the pages", async () => {
    const css = await app.request('/login.css');
    expect(css.status).toBe(200);
    expect(css.headers.get('content-type')).toContain('text/css');
    expect(await css.text()).toContain('main {');
    const js = await app.request('/login.js');
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toMatch(/javascript/);
    expect(await js.text()).toContain('location.hash');
    for (const path of ['/app.js', '/favicon.svg', '/index.html', '/']) {
      const res = await app.request(path);
      expect(res.status, path).toBe(401);
      expect(await res.text(), path).not.toMatch(/the pages/);
    }
    const signedIn = await app.request('/app.js', { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(await signedIn.text()).toBe('the pages script');
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

    // Only paths on this server are followed after signing in, with their query and fragment.
    for (const next of ['https://elsewhere.example/', '//elsewhere.example/', '/\\elsewhere.example']) {
      expect((await form(TOKEN, next)).headers.get('location')).toBe('/');
    }
    expect((await form(TOKEN, '/#/report?by=group')).headers.get('location')).toBe('/#/report?by=group');
  });

  it('reads `next` as a browser would, and keeps only a path on this origin', () => {
    for (const next of [
      undefined,
      '',
      'report',
      'https://evil.example/',
      '//evil.example',
      '///evil.example',
      '/\\evil.example',
      '\\/evil.example',
      '/\t/evil.example',
      '/\n/evil.example',
      ' //evil.example',
      'javascript:alert(1)',
      '/%0a/evil.example',
    ]) {
      const kept = safeNext(next);
      expect(new URL(kept, 'https://dashboard.example/').origin, String(next)).toBe(
        'https://dashboard.example',
      );
    }
    expect(safeNext('/%0a/evil.example')).toBe('/%0a/evil.example');
    expect(safeNext('/people/a%20b?zone=UTC#/x')).toBe('/people/a%20b?zone=UTC#/x');
    expect(safeNext('/#/report?from=2026-03-02&by=week')).toBe('/#/report?from=2026-03-02&by=week');
  });

  it('says behind the gate that it asks for a token, and without one that it does not', async () => {
    const refused = await app.request('/api/v1/session');
    expect(refused.status).toBe(401);
    expect(await api.check('GET', '/api/v1/session', refused)).toEqual([]);
    const gated = await app.request('/api/v1/session', { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(await api.check('GET', '/api/v1/session', gated)).toEqual([]);
    expect(await gated.json()).toEqual({ token: true });
    const open = await createDashboard({ store: memoryStore(), uiDir }).app.request('/api/v1/session');
    expect(await api.check('GET', '/api/v1/session', open)).toEqual([]);
    expect(await open.json()).toEqual({ token: false });
  });

  it('signs out by clearing the cookie', async () => {
    const res = await app.request('/logout', { method: 'POST' });
    expect(res.status).toBe(303);
    expect(res.headers.get('set-cookie')).toMatch(new RegExp(`${COOKIE}=;.*Max-Age=0`));
  });
});
