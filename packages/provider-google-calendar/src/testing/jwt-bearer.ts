import { createVerify, type KeyObject } from 'node:crypto';
import { GOOGLE_TOKEN_URL } from '../scopes.ts';

/** The grant type a service account's signed assertion is exchanged with (RFC 7523). */
export const JWT_BEARER_GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';

export interface JwtBearerRules {
  /** Each service account's e-mail and the public half of its key. */
  accounts: Map<string, KeyObject>;
  /** The Workspace domain whose people a service account may impersonate (`sub`). */
  domain: string;
  /** The scopes an administrator granted the service account for domain-wide delegation. */
  delegatedScopes: readonly string[];
  /** Now, in ms; assertions are checked against the same clock the signing library reads. */
  now: number;
}

export type JwtBearerResult =
  | { ok: true; account: string; subject: string | undefined; scopes: string[] }
  | { ok: false; status: number; body: { error: string; error_description: string } };

const refuse = (status: number, error: string, description: string): JwtBearerResult => ({
  ok: false,
  status,
  body: { error, error_description: description },
});

const json = (segment: string): Record<string, unknown> | null => {
  try {
    const value = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
    return value && typeof value === 'object' ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
};

/**
 * Checks a token request the way Google's token endpoint documents for service accounts: an RS256
 * assertion signed with the account's key, `aud` the token endpoint, `iat`/`exp` at most an hour apart
 * and around now, `scope` one or more scopes, and for domain-wide delegation a `sub` in the domain,
 * with only scopes the administrator granted.
 */
export function checkJwtBearer(form: URLSearchParams, rules: JwtBearerRules): JwtBearerResult {
  const grant = form.get('grant_type');
  if (grant !== JWT_BEARER_GRANT)
    return refuse(400, 'unsupported_grant_type', `Invalid grant_type: ${grant ?? ''}`);
  const assertion = form.get('assertion') ?? '';
  const parts = assertion.split('.');
  if (parts.length !== 3) return refuse(400, 'invalid_request', 'Invalid JWT assertion.');
  const [head, body, signature] = parts as [string, string, string];
  const header = json(head);
  const claims = json(body);
  if (!header || !claims) return refuse(400, 'invalid_request', 'Invalid JWT assertion.');
  if (header.alg !== 'RS256') return refuse(400, 'invalid_grant', 'Invalid JWT Signature.');
  const account = typeof claims.iss === 'string' ? claims.iss : '';
  const key = rules.accounts.get(account);
  if (!key) return refuse(401, 'invalid_client', 'The OAuth client was not found.');
  const verifier = createVerify('RSA-SHA256');
  verifier.update(`${head}.${body}`);
  if (!verifier.verify(key, Buffer.from(signature, 'base64url')))
    return refuse(400, 'invalid_grant', 'Invalid JWT Signature.');
  if (claims.aud !== GOOGLE_TOKEN_URL)
    return refuse(400, 'invalid_grant', `Invalid JWT: audience must be ${GOOGLE_TOKEN_URL}`);
  const now = Math.floor(rules.now / 1000);
  const iat = Number(claims.iat);
  const exp = Number(claims.exp);
  if (!Number.isFinite(iat) || !Number.isFinite(exp) || exp - iat > 3600 || exp < now || iat > now + 300)
    return refuse(
      400,
      'invalid_grant',
      'Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat and exp values in the JWT claim.',
    );
  const scopes = typeof claims.scope === 'string' ? claims.scope.split(/\s+/).filter(Boolean) : [];
  if (scopes.length === 0) return refuse(400, 'invalid_scope', 'Empty or missing scope not allowed.');
  const subject = typeof claims.sub === 'string' ? claims.sub : undefined;
  if (subject !== undefined) {
    if (!subject.toLowerCase().endsWith(`@${rules.domain.toLowerCase()}`))
      return refuse(400, 'invalid_grant', 'Invalid email or User ID');
    if (!scopes.every((s) => rules.delegatedScopes.includes(s)))
      return refuse(
        401,
        'unauthorized_client',
        'Client is unauthorized to retrieve access tokens using this method, or client not authorized for any of the scopes requested.',
      );
  }
  return { ok: true, account, subject, scopes };
}
