import { Client4 } from '@mattermost/client';
import type { Options } from '@mattermost/types/client4';
import type { UserProfile } from '@mattermost/types/users';
import { type Logger, ProviderError } from '@presence-tracker/core';
import { retryPolicy } from '@presence-tracker/core/resilience';
import type { ResolvedOptions } from './options.ts';
import { observe, requestBudget, serverWait } from './rate-limit.ts';

export const PROVIDER = 'mattermost';

interface ClientResponse {
  response: Response;
  headers: Map<string, string>;
  data: unknown;
}
type FetchWithResponse = (url: string, options: Options) => Promise<ClientResponse>;

export interface Connection {
  client: Client4;
  /** Signs in with the password, once, unless a token was given. */
  ensureSession(): Promise<void>;
  /** Ends a password login's session; a token is left alone. */
  close(): Promise<void>;
}

/**
 * A `Client4` whose every request goes through one gate: the request budget, waiting out 429 with
 * core's retry policy (`Retry-After` and `X-RateLimit-*`, which Client4 itself drops, else back-off),
 * and one fresh login when a password session has expired. Client4 calls the global `fetch` from a per-instance
 * `doFetchWithResponse`; wrapping that on this instance keeps the gate to this provider and leaves
 * Client4's URL building and response parsing in charge.
 */
export function connect(options: ResolvedOptions): Connection {
  const client = new Client4();
  client.setUrl(options.url);
  client.setIncludeCookies(false);
  client.setUserAgent('presence-tracker');
  const { seams } = options;
  const budget = requestBudget(options.requestsPerSecond, seams);
  const logger: Logger | undefined = options.logger;
  const { auth } = options;
  const password = 'password' in auth ? auth : null;
  if ('token' in auth) client.setToken(auth.token);

  const holder = client as unknown as { doFetchWithResponse: FetchWithResponse };
  const send = holder.doFetchWithResponse;
  let signingIn: Promise<void> | null = null;

  const signIn = (): Promise<void> => {
    signingIn ??= (async () => {
      client.setToken('');
      await (client.login(password!.loginId, password!.password) as Promise<UserProfile>);
      if (!client.getToken()) {
        throw new ProviderError(
          PROVIDER,
          `Mattermost accepted the login of ${password!.loginId} but sent no session token`,
          {
            code: 'PROVIDER_AUTH',
          },
        );
      }
      logger?.info({ provider: PROVIDER, loginId: password!.loginId }, 'signed in to Mattermost');
    })().finally(() => {
      signingIn = null;
    });
    return signingIn;
  };

  const ensureSession = async () => {
    if (password && !client.getToken()) await signIn();
  };

  holder.doFetchWithResponse = async (url, init) => {
    const isLogin = url.endsWith('/users/login');
    const where = `${(init.method ?? 'get').toUpperCase()} ${new URL(url).pathname}`;
    if (!isLogin && !isLogout(url)) await ensureSession();
    const now = () => seams.clock.now().getTime();
    let renewed = false;
    let throttled = 0;

    /** One attempt: a turn of the budget, the request, and one new login if the session expired. */
    const attempt = async (): Promise<ClientResponse> => {
      for (;;) {
        await budget.acquire();
        const usedToken = client.getToken();
        let result: ClientResponse;
        try {
          result = await send(url, { ...init, ignoreStatus: true });
        } catch (error) {
          throw new ProviderError(
            PROVIDER,
            `could not reach Mattermost for ${where}: ${(error as Error).message}`,
            {
              cause: error,
            },
          );
        }
        const status = result.response.status;
        if (status === 429) {
          throttled++;
          return result;
        }
        observe(budget, result.headers, now());
        if (status === 401 && password && !isLogin && !renewed) {
          renewed = true;
          // Requests in flight when the session expires share one new login: a request refused while
          // another signs in waits for that login; one refused after it retries with the new session.
          if (signingIn) await signingIn;
          else if (client.getToken() === usedToken) {
            logger?.info({ provider: PROVIDER, where }, 'Mattermost session expired; signing in again');
            await signIn();
          }
          continue;
        }
        return result;
      }
    };

    /** Whether a 429 is worth waiting out: a wait the server asked for must fit in `maxRetryWait`. */
    const tooLong = (result: ClientResponse) =>
      (serverWait(result.headers, now()) ?? 0) > options.maxRetryWait;
    const result = await retryPolicy<ClientResponse>({
      ...options.retry,
      ...seams,
      retryOn: (outcome) =>
        'value' in outcome && outcome.value.response.status === 429 && !tooLong(outcome.value),
      requestedWait: (outcome, at) =>
        'value' in outcome ? serverWait(outcome.value.headers, at) : undefined,
      onRetry: ({ attempt: next, waitMs }) => {
        logger?.warn({ provider: PROVIDER, where, waitMs, attempt: next }, 'rate limited; waiting');
        // A 429 is the server asking this client to slow down: every other request waits too.
        budget.hold(waitMs);
      },
    }).execute(attempt);

    const status = result.response.status;
    if (status === 429) {
      const wait = serverWait(result.headers, now());
      throw new ProviderError(
        PROVIDER,
        `Mattermost kept refusing ${where} with 429${wait === undefined ? '' : ` (asked to wait ${wait} ms)`}`,
        {
          code: 'PROVIDER_THROTTLED',
          status,
          details: { ...(wait === undefined ? {} : { retryAfterMs: wait }), attempts: throttled },
        },
      );
    }
    if (status >= 200 && status < 300) return result;
    throw failure(where, status, result.data, isLogin ? password?.loginId : undefined);
  };

  return {
    client,
    ensureSession,
    async close() {
      if (!password || !client.getToken()) return;
      await client.logout().catch(() => {});
      client.setToken('');
    },
  };
}

/**
 * One path segment from a value the user gave (an e-mail address, a team or channel name). Client4
 * puts its arguments into paths as they are, so `%`, `/`, `?` or `#` would change the request.
 */
export function segment(value: string): string {
  return encodeURIComponent(value);
}

function isLogout(url: string) {
  return url.endsWith('/users/logout');
}

function failure(where: string, status: number, data: unknown, loginId: string | undefined): ProviderError {
  const body = (typeof data === 'object' && data !== null ? data : {}) as { id?: unknown; message?: unknown };
  const said = typeof body.message === 'string' && body.message ? `: ${body.message}` : '';
  const details =
    typeof body.id === 'string'
      ? { serverErrorId: body.id, ...(said ? { serverMessage: body.message as string } : {}) }
      : undefined;
  if (status === 401 || (loginId !== undefined && status === 400)) {
    const message =
      loginId !== undefined
        ? `Mattermost refused the login of ${loginId} (${status})${said}`
        : `Mattermost refused the credentials for ${where} (${status})${said}`;
    return new ProviderError(PROVIDER, message, {
      code: 'PROVIDER_AUTH',
      status,
      ...(details ? { details } : {}),
    });
  }
  return new ProviderError(PROVIDER, `Mattermost answered ${status} to ${where}${said}`, {
    status,
    ...(details ? { details } : {}),
  });
}
