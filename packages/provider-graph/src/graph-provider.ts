import { AuthenticationHandler, Client, HTTPMessageHandler } from '@microsoft/microsoft-graph-client';
import {
  type PresenceProvider,
  type PresenceSample,
  ProviderError,
  silentLogger,
  systemClock,
} from '@presence-tracker/core';
import { concurrencyLimit, RequestBudget } from '@presence-tracker/core/resilience';
import { credentialFor, defaultScopes } from './auth.ts';
import { PROVIDER, toProviderError } from './errors.ts';
import { RefreshOn401Middleware, RetryMiddleware } from './middleware.ts';
import { type GraphProviderOptions, LOOKUP_CONCURRENCY, resolveOptions } from './options.ts';
import { type GraphPresence, SequenceFilter, toRaw, toStatus } from './presence.ts';
import { GraphPush, SubscriptionApi } from './push/index.ts';
import { TokenSource } from './token.ts';
import { discoverUsers, resolveUsers } from './users.ts';

/** Graph reads at most 650 users' presence in one request. */
export const IDS_PER_REQUEST = 650;
const PRESENCE_PATH = '/communications/getPresencesByUserId';

/** Microsoft Teams presence through Microsoft Graph. */
export function graphProvider(options: GraphProviderOptions): PresenceProvider {
  const resolved = resolveOptions(options);
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? silentLogger;
  const credential = options.credential ?? credentialFor(options.auth!);
  const tokens = new TokenSource(
    credential,
    resolved.scopes ?? defaultScopes(options.auth, resolved.baseUrl),
  );
  // Budgets and back-off wait on the system clock: `clock` only stamps readings, and may be a
  // replayed day that never moves while the provider waits.
  const budget = new RequestBudget({ ...resolved.budget, clock: systemClock });
  const limit = concurrencyLimit(resolved.concurrency);
  // Look-ups are few and each $batch is 20 reads against the directory's own limits: fewer at once.
  const lookups = concurrencyLimit(Math.min(resolved.concurrency, LOOKUP_CONCURRENCY));
  const sequences = new SequenceFilter();

  const client = Client.initWithMiddleware({
    baseUrl: resolved.baseUrl,
    defaultVersion: 'v1.0',
    // The client attaches the bearer token only to Graph's own hosts and these.
    customHosts: new Set([resolved.host]),
    middleware: [
      new RefreshOn401Middleware(tokens),
      new AuthenticationHandler(tokens),
      new RetryMiddleware({
        retry: resolved.retry,
        timeout: resolved.timeout,
        budget,
        budgeted: (url) => url.includes(PRESENCE_PATH),
        // getPresencesByUserId is a POST that only reads.
        reads: (method, url) => method.toUpperCase() === 'GET' || url.includes(PRESENCE_PATH),
        onRetry: (info) => logger.warn({ provider: PROVIDER, ...info }, 'Microsoft Graph asked to retry'),
        clock: systemClock,
      }),
      new HTTPMessageHandler(),
    ],
  });

  const push =
    resolved.push &&
    new GraphPush(resolved.push, new SubscriptionApi(client, resolved.push, clock), {
      clock,
      logger,
      sequences,
      read: readSamples,
    });

  return {
    name: PROVIDER,
    // A tracker asks for as many people at once as the requests in flight read; with push, everyone,
    // since a reconcile poll must read all of them and confirmations cover the rest.
    pollBatchSize: push ? Number.POSITIVE_INFINITY : IDS_PER_REQUEST * resolved.concurrency,
    ...(push && {
      push: push.endpoint,
      subscribe: (userIds: string[], onSamples: (samples: PresenceSample[]) => void) =>
        push.subscribe(userIds, onSamples),
    }),

    resolveUsers(keys) {
      return resolveUsers(client, keys, { retry: resolved.retry, run: lookups, clock: systemClock });
    },

    discoverUsers() {
      return lookups(() => discoverUsers(client));
    },

    getPresence(userIds, options) {
      return push ? push.poll(userIds, options) : readSamples(userIds, options?.signal);
    },

    async close() {
      await push?.close();
      limit.clear();
      lookups.clear();
    },
  };

  /** Reads these people's presence, 650 a request, pages followed; readings older than one seen dropped. */
  async function readSamples(userIds: string[], signal?: AbortSignal): Promise<PresenceSample[]> {
    const ids = [...new Set(userIds)];
    const chunks: string[][] = [];
    for (let i = 0; i < ids.length; i += IDS_PER_REQUEST) chunks.push(ids.slice(i, i + IDS_PER_REQUEST));

    // Settled rather than raced, so no request is still running when a failure is reported.
    const settled = await Promise.allSettled(
      chunks.map((chunk) =>
        limit(async () => {
          try {
            return await readPresences(chunk, signal);
          } catch (error) {
            throw toProviderError(error, `reading presence of ${chunk.length} users`);
          }
        }),
      ),
    );
    const failed = settled.find((s) => s.status === 'rejected');
    if (failed) throw (failed as PromiseRejectedResult).reason;

    // Graph's ids are GUIDs, compared without case; a sample carries the id as it was asked for.
    const asked = new Map(ids.map((id) => [id.toLowerCase(), id]));
    const samples: PresenceSample[] = [];
    let strangers = 0;
    for (const s of settled) {
      const pages = (s as PromiseFulfilledResult<{ presences: GraphPresence[]; observedAt: Date }[]>).value;
      for (const { presences, observedAt } of pages) {
        for (const p of presences) {
          const userId = typeof p?.id === 'string' ? asked.get(p.id.toLowerCase()) : undefined;
          if (userId === undefined) {
            strangers++;
            continue;
          }
          if (!sequences.accept(userId, p.sequenceNumber)) continue;
          samples.push({
            userId,
            status: toStatus(p.availability, p.activity),
            observedAt,
            raw: toRaw(p, observedAt),
            source: 'poll',
          });
        }
      }
    }
    if (strangers > 0)
      logger.warn(
        { provider: PROVIDER, count: strangers },
        'Microsoft Graph returned presence for ids not asked for; dropped',
      );
    return samples;
  }

  /** One presence request, and the pages Graph puts behind `@odata.nextLink`, each stamped as it came. */
  async function readPresences(
    chunk: string[],
    signal: AbortSignal | undefined,
  ): Promise<{ presences: GraphPresence[]; observedAt: Date }[]> {
    const pages: { presences: GraphPresence[]; observedAt: Date }[] = [];
    const followed = new Set<string>();
    // The signal rides in the request's fetch options, where RetryMiddleware gives up its waits on it.
    const request = (path: string) => (signal ? client.api(path).option('signal', signal) : client.api(path));
    let answer: PresencePage = await request(PRESENCE_PATH).post({ ids: chunk });
    for (;;) {
      pages.push({ presences: answer.value ?? [], observedAt: clock.now() });
      const next = answer['@odata.nextLink'];
      if (!next) return pages;
      // The token goes with the request: only to Graph's own origin, and never round in a circle.
      if (!sameOrigin(next, resolved.baseUrl) || followed.has(next)) {
        throw new ProviderError(
          PROVIDER,
          `reading presence of ${chunk.length} users: Microsoft Graph answered with a next page link that ${followed.has(next) ? 'repeats an earlier one' : `leads away from ${resolved.baseUrl}`}`,
        );
      }
      followed.add(next);
      answer = await request(next).get();
    }
  }
}

interface PresencePage {
  value?: GraphPresence[];
  '@odata.nextLink'?: string;
}

function sameOrigin(link: string, baseUrl: string): boolean {
  return URL.canParse(link) && new URL(link).origin === new URL(baseUrl).origin;
}
