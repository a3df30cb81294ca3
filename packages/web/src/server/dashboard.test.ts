import { memoryStore } from '@presence-tracker/core';
import { describe, expect, it } from 'vitest';
import { contract } from './__fixtures__/contract.ts';
import { createDashboard } from './dashboard.ts';

describe('createDashboard', () => {
  it('serves its OpenAPI document and the people, as documented', async () => {
    const store = memoryStore();
    await store.upsertUsers([
      {
        id: 'u1',
        key: 'ada@example.com',
        displayName: 'Ada',
        severity: 0,
        groups: [{ kind: 'team', id: 't1' }],
      },
    ]);
    const { app } = createDashboard({ store, now: () => new Date('2026-03-02T10:00:00Z') });
    const api = contract();
    for (const path of ['/api/v1/openapi.json', '/api/v1/people']) {
      const res = await app.request(path);
      expect(await api.check('GET', path, res)).toEqual([]);
      expect(res.status).toBe(200);
    }
    const people = await (await app.request('/api/v1/people')).json();
    expect(people).toEqual({
      at: '2026-03-02T10:00:00.000Z',
      people: [
        {
          id: 'u1',
          key: 'ada@example.com',
          displayName: 'Ada',
          groups: [{ kind: 'team', id: 't1' }],
          status: null,
          since: null,
          lastSeenAt: null,
          reachable: false,
        },
      ],
    });
  });

  it('forbids framing and inline scripts', async () => {
    const { app } = createDashboard({ store: memoryStore() });
    const res = await app.request('/api/v1/openapi.json');
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-inline');
  });
});
