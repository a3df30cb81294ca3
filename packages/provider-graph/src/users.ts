import type { Client } from '@microsoft/microsoft-graph-client';
import type { Clock, ResolvedUser, ResolveResult } from '@presence-tracker/core';
import { ProviderError } from '@presence-tracker/core';
import {
  parseRetryAfter,
  type RetryOptions,
  retryPolicy,
  type Sleep,
} from '@presence-tracker/core/resilience';
import { PROVIDER, toProviderError } from './errors.ts';

/** Graph takes at most 20 requests in one `$batch`. */
export const BATCH_SIZE = 20;
const SELECT = '$select=id,displayName,mail,userPrincipalName';

interface GraphUser {
  id: string;
  displayName?: string | null;
  mail?: string | null;
  userPrincipalName?: string | null;
}
interface BatchResponse {
  id: string;
  status: number;
  headers?: Record<string, string>;
  body?: { value?: GraphUser[]; error?: { code?: string; message?: string } } & Partial<GraphUser>;
}

export interface ResolveOptions {
  retry: RetryOptions;
  run: <T>(task: () => Promise<T>) => Promise<T>;
  clock: Clock;
  sleep?: Sleep;
}

/**
 * Looks each key up as a user id or UPN (`/users/{key}`), then, for e-mail addresses Graph did not know
 * as a UPN, by `mail eq` — the address people are known by often differs from their sign-in name.
 */
export async function resolveUsers(
  client: Client,
  keys: string[],
  options: ResolveOptions,
): Promise<ResolveResult> {
  const resolved: ResolvedUser[] = [];
  const unresolved: { key: string; reason: string }[] = [];
  const lookups: string[] = [];
  for (const key of keys) {
    if (typeof key !== 'string' || key.trim() === '') unresolved.push({ key, reason: 'the key is empty' });
    else lookups.push(key);
  }

  const byUpn = await batchGet(
    client,
    lookups,
    (key) => `/users/${encodeURIComponent(key.trim())}?${SELECT}`,
    options,
  );
  const byMail: string[] = [];
  for (const key of lookups) {
    const r = byUpn.get(key)!;
    if (r.status === 200 && r.body?.id) resolved.push(toResolved(key, r.body as GraphUser));
    else if (r.status === 404 && key.includes('@')) byMail.push(key);
    else unresolved.push({ key, reason: reasonFor(r, 'no user has this id or user principal name') });
  }

  const filtered = await batchGet(
    client,
    byMail,
    (key) =>
      `/users?$filter=${encodeURIComponent(`mail eq '${key.trim().replaceAll("'", "''")}'`)}&${SELECT}`,
    options,
  );
  for (const key of byMail) {
    const r = filtered.get(key)!;
    const found = r.status === 200 ? (r.body?.value ?? []) : [];
    if (r.status !== 200) unresolved.push({ key, reason: reasonFor(r, 'the lookup by mail address failed') });
    else if (found.length === 1) resolved.push(toResolved(key, found[0]!));
    else if (found.length === 0)
      unresolved.push({ key, reason: 'no user has this user principal name or mail address' });
    else unresolved.push({ key, reason: `${found.length} users share this mail address` });
  }
  return { resolved, unresolved };
}

/** Everyone in the directory the app may see, page by page (999 a page, Graph's most). */
export async function discoverUsers(client: Client): Promise<ResolvedUser[]> {
  const users: ResolvedUser[] = [];
  let next: string | undefined = `/users?${SELECT}&$top=999`;
  while (next) {
    let page: { value?: GraphUser[]; '@odata.nextLink'?: string };
    try {
      page = await client.api(next).get();
    } catch (error) {
      throw toProviderError(error, "listing the directory's users");
    }
    for (const u of page.value ?? []) users.push(toResolved(u.userPrincipalName ?? u.id, u));
    next = page['@odata.nextLink'];
  }
  return users;
}

function toResolved(key: string, user: GraphUser): ResolvedUser {
  const email = user.mail ?? (user.userPrincipalName?.includes('@') ? user.userPrincipalName : undefined);
  return {
    key,
    id: user.id,
    ...(user.displayName ? { displayName: user.displayName } : {}),
    ...(email ? { email } : {}),
  };
}

function reasonFor(r: BatchResponse, notFound: string): string {
  if (r.status === 404) return notFound;
  const said = [r.body?.error?.code, r.body?.error?.message].filter(Boolean).join(': ');
  return `Microsoft Graph answered ${r.status}${said ? ` (${said})` : ''}`;
}

/**
 * GETs one URL per key through `$batch`, 20 a batch, batches in parallel as `run` allows. Requests
 * inside a batch that were throttled or failed for a while are sent again after their Retry-After.
 */
async function batchGet(
  client: Client,
  keys: string[],
  url: (key: string) => string,
  options: ResolveOptions,
): Promise<Map<string, BatchResponse>> {
  const results = new Map<string, BatchResponse>();
  const chunks: string[][] = [];
  for (let i = 0; i < keys.length; i += BATCH_SIZE) chunks.push(keys.slice(i, i + BATCH_SIZE));

  // Throttled requests inside a batch are sent again, alone, after the longest Retry-After among them.
  const policy = retryPolicy<{ throttled: string[]; waitMs: number | undefined }>({
    ...options.retry,
    clock: options.clock,
    ...(options.sleep ? { sleep: options.sleep } : {}),
    retryOn: (outcome) => 'value' in outcome && outcome.value.throttled.length > 0,
    requestedWait: (outcome) => ('value' in outcome ? outcome.value.waitMs : undefined),
  });

  const settled = await Promise.allSettled(
    chunks.map((chunk) =>
      options.run(() => {
        let pending = chunk;
        return policy.execute(async () => {
          const body = {
            requests: pending.map((key, i) => ({ id: String(i), method: 'GET', url: url(key) })),
          };
          let answer: { responses?: BatchResponse[] };
          try {
            answer = await client.api('/$batch').post(body);
          } catch (error) {
            throw toProviderError(error, 'looking users up');
          }
          const throttled: string[] = [];
          const answered = new Set<string>();
          let waitMs: number | undefined;
          const now = options.clock.now().getTime();
          for (const response of answer.responses ?? []) {
            const key = pending[Number(response.id)];
            if (key === undefined) continue;
            if (response.status === 403) {
              throw toProviderError(
                { statusCode: 403, code: response.body?.error?.code, message: response.body?.error?.message },
                'looking users up',
              );
            }
            // Kept even when throttled: after the last attempt, the throttled answer is the result.
            results.set(key, response);
            answered.add(key);
            if (response.status === 429 || response.status === 503) {
              throttled.push(key);
              const after = parseRetryAfter(headerOf(response, 'retry-after'), now);
              if (after !== undefined) waitMs = Math.max(waitMs ?? 0, after);
            }
          }
          for (const key of pending) {
            if (!answered.has(key)) {
              throw new ProviderError(
                PROVIDER,
                `looking users up: the $batch answer left out the request for ${key}`,
              );
            }
          }
          pending = throttled;
          return { throttled, waitMs };
        });
      }),
    ),
  );
  const failed = settled.find((s) => s.status === 'rejected');
  if (failed) throw (failed as PromiseRejectedResult).reason;
  return results;
}

function headerOf(response: BatchResponse, name: string): string | null {
  const entry = Object.entries(response.headers ?? {}).find(([k]) => k.toLowerCase() === name);
  return entry?.[1] ?? null;
}
