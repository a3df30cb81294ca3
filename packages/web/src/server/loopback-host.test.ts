import { request } from 'node:http';
import { memoryStore } from '@presence-tracker/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contract } from './__fixtures__/contract.ts';
import { type RunningDashboard, serve } from './serve.ts';

/** A GET to the server with this `Host` header, as a browser sends it after DNS rebinding. */
function get(
  url: string,
  path: string,
  host: string,
): Promise<{ status: number; body: string; type: string | undefined }> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}${path}`, { headers: { host } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => {
        body += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode!, body, type: res.headers['content-type'] }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('the Host a server without a token answers', () => {
  let open: RunningDashboard;
  let gated: RunningDashboard;
  let port: number;

  beforeAll(async () => {
    const store = memoryStore();
    await store.upsertUsers([{ id: 'ada', key: 'ada@example.com', displayName: 'Ada', severity: 0 }]);
    open = await serve({ store, port: 0 });
    gated = await serve({ store, port: 0, token: 'the-token' });
    port = Number(new URL(open.url).port);
  });

  afterAll(async () => {
    await open?.close();
    await gated?.close();
  });

  it('refuses a name that is not loopback, with a body saying why', async () => {
    for (const host of [
      `evil.example.com:${port}`,
      'evil.example.com',
      `192.168.1.20:${port}`,
      `localhost.evil.example:${port}`,
    ]) {
      const res = await get(open.url, '/api/v1/people', host);
      expect(res.status, host).toBe(403);
      expect(res.body, host).not.toContain('ada');
      expect(JSON.parse(res.body).detail).toContain('answers only requests addressed to localhost');
    }
    expect((await get(open.url, '/', `evil.example.com:${port}`)).status).toBe(403);
    // Every route answers so, as its OpenAPI document says.
    const api = contract();
    for (const path of ['/healthz', '/metrics', '/api/v1/openapi.json', '/api/v1/report', '/api/v1/events']) {
      const res = await get(open.url, path, `evil.example.com:${port}`);
      expect(res.status, path).toBe(403);
      const answer = new Response(res.body, { status: res.status, headers: { 'content-type': res.type! } });
      expect(await api.check('GET', path, answer), path).toEqual([]);
    }
  });

  it('answers every loopback name, with any port', async () => {
    for (const host of [
      `127.0.0.1:${port}`,
      '127.0.0.1',
      `localhost:${port}`,
      `LOCALHOST:${port}`,
      `[::1]:${port}`,
      `127.0.0.2:${port}`,
      'localhost:1',
    ]) {
      const res = await get(open.url, '/api/v1/people', host);
      expect(res.status, host).toBe(200);
      expect(res.body, host).toContain('ada');
    }
  });

  it('leaves the Host to the token when there is one', async () => {
    const res = await get(gated.url, '/api/v1/people', 'dashboard.example.com');
    expect(res.status).toBe(401);
  });

  it('answers on another loopback address it is bound to, under that address', async () => {
    const other = await serve({ store: memoryStore(), host: '127.0.0.2', port: 0 });
    try {
      const res = await get(other.url, '/api/v1/people', new URL(other.url).host);
      expect(res.status).toBe(200);
    } finally {
      await other.close();
    }
  });
});
