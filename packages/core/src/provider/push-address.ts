import { z } from 'zod';
import { isLoopbackHost } from '../config/loopback.ts';

/**
 * Whether a platform may be told to push to this address: https, or http on loopback only (a proxy or
 * a test on the same machine), since a platform sends its shared secrets with every request.
 */
export function isHttpsOrLoopback(address: string | URL): boolean {
  const url = typeof address === 'string' ? (URL.canParse(address) ? new URL(address) : null) : address;
  return (
    url !== null && (url.protocol === 'https:' || (url.protocol === 'http:' && isLoopbackHost(url.hostname)))
  );
}

/**
 * An option's schema for an address a provider sends its secrets to (a token endpoint, an API root):
 * https, or http on loopback only, where tests and local fakes listen. `what` names the option in
 * the error, e.g. `the API address, e.g. https://api.example.com`.
 */
export function httpsOrLoopbackUrl(what: string) {
  const expected = `expected ${what} (an https address; http only on loopback)`;
  return z
    .string({ error: expected })
    .refine((v) => /^https?:\/\/[^/]/.test(v) && isHttpsOrLoopback(v), expected);
}
