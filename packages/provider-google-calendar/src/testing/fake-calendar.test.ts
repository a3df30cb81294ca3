import { createSign } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { EVENTS_SCOPE, FREEBUSY_SCOPE } from '../scopes.ts';
import { type FakeCalendar, JWT_BEARER_GRANT, makeServiceAccount, startFakeCalendar } from './index.ts';

let google: FakeCalendar | undefined;
afterEach(async () => {
  await google?.close();
  google = undefined;
});

/** A service account assertion as Google documents it, signed with `privateKey`. */
function assertion(privateKey: string, claims: Record<string, unknown>): string {
  const part = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const body = `${part({ alg: 'RS256', typ: 'JWT' })}.${part(claims)}`;
  const signature = createSign('RSA-SHA256').update(body).sign(privateKey).toString('base64url');
  return `${body}.${signature}`;
}

async function askToken(fake: FakeCalendar, jwt: string) {
  const res = await fetch(fake.tokenUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: JWT_BEARER_GRANT, assertion: jwt }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('the fake token endpoint', () => {
  const now = () => Math.floor(Date.now() / 1000);
  const claims = (over: Record<string, unknown> = {}) => ({
    iss: google!.serviceAccount.client_email,
    scope: `${FREEBUSY_SCOPE} ${EVENTS_SCOPE}`,
    aud: 'https://oauth2.googleapis.com/token',
    iat: now(),
    exp: now() + 3600,
    sub: 'admin@example.com',
    ...over,
  });

  it('exchanges an assertion signed with the account key for a bearer token', async () => {
    google = await startFakeCalendar();
    const { status, body } = await askToken(google, assertion(google.serviceAccount.private_key, claims()));
    expect(status).toBe(200);
    expect(body).toMatchObject({ token_type: 'Bearer', expires_in: 3599 });
    expect(body.access_token).toMatch(/^ya29\./);
  });

  it.each([
    ['signed with another key', () => makeServiceAccount().key.private_key, {}, 'invalid_grant'],
    ['for another audience', undefined, { aud: 'https://example.com/token' }, 'invalid_grant'],
    ['expired', undefined, { iat: 1_000_000, exp: 1_003_600 }, 'invalid_grant'],
    ['acting as someone outside the domain', undefined, { sub: 'eve@evil.example' }, 'invalid_grant'],
    [
      'for a scope not delegated',
      undefined,
      { scope: 'https://www.googleapis.com/auth/calendar' },
      'unauthorized_client',
    ],
  ])('refuses an assertion %s', async (_, key, over, error) => {
    google = await startFakeCalendar();
    const jwt = assertion(key?.() ?? google.serviceAccount.private_key, claims(over));
    const { status, body } = await askToken(google, jwt);
    expect(status).toBeGreaterThanOrEqual(400);
    expect(body.error).toBe(error);
  });

  it('answers the API only with a token it issued', async () => {
    google = await startFakeCalendar();
    const res = await fetch(`${google.url}calendar/v3/freeBusy`, {
      method: 'POST',
      headers: { authorization: 'Bearer ya29.made-up', 'content-type': 'application/json' },
      body: JSON.stringify({ timeMin: '2026-03-02T09:00:00Z', timeMax: '2026-03-02T10:00:00Z', items: [] }),
    });
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ error: { code: 401, errors: [{ reason: 'authError' }] } });
  });
});
