import { AuthenticationHandler, Client, HTTPMessageHandler } from '@microsoft/microsoft-graph-client';
import {
  type PresenceProvider,
  type PresenceSample,
  silentLogger,
  systemClock,
} from '@presence-tracker/core';
import pLimit from 'p-limit';
import { credentialFor, defaultScopes } from './auth.ts';
import { RequestBudget } from './budget.ts';
import { PROVIDER, toProviderError } from './errors.ts';
import { RefreshOn401Middleware, RetryMiddleware } from './middleware.ts';
import { type GraphProviderOptions, resolveOptions } from './options.ts';
import { type GraphPresence, SequenceFilter, toRaw, toStatus } from './presence.ts';
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
  const budget = new RequestBudget(resolved.budget.requests, resolved.budget.perMs);
  const limit = pLimit(resolved.concurrency);
  const sequences = new SequenceFilter();

  const client = Client.initWithMiddleware({
    baseUrl: resolved.baseUrl,
    defaultVersion: 'v1.0',
    // The client attaches the bearer token only to Graph's own hosts and these.
    customHosts: new Set([resolved.host]),
    middleware: [
      new RefreshOn401Middleware(tokens),
      new AuthenticationHandler(tokens),
      new RetryMiddleware(
        resolved.retry,
        budget,
        (url) => url.includes(PRESENCE_PATH),
        (info) => logger.warn({ provider: PROVIDER, ...info }, 'Microsoft Graph asked to retry'),
      ),
      new HTTPMessageHandler(),
    ],
  });

  return {
    name: PROVIDER,

    resolveUsers(keys) {
      return resolveUsers(client, keys, {
        retries: resolved.retry.retries,
        baseDelay: resolved.retry.baseDelay,
        run: limit,
      });
    },

    discoverUsers() {
      return limit(() => discoverUsers(client));
    },

    async getPresence(userIds) {
      const ids = [...new Set(userIds)];
      const chunks: string[][] = [];
      for (let i = 0; i < ids.length; i += IDS_PER_REQUEST) chunks.push(ids.slice(i, i + IDS_PER_REQUEST));

      // Settled rather than raced, so no request is still running when a failure is reported.
      const settled = await Promise.allSettled(
        chunks.map((chunk) =>
          limit(async () => {
            try {
              const answer: { value?: GraphPresence[] } = await client
                .api(PRESENCE_PATH)
                .post({ ids: chunk });
              return { presences: answer.value ?? [], observedAt: clock.now() };
            } catch (error) {
              throw toProviderError(error, `reading presence of ${chunk.length} users`);
            }
          }),
        ),
      );
      const failed = settled.find((s) => s.status === 'rejected');
      if (failed) throw (failed as PromiseRejectedResult).reason;

      const samples: PresenceSample[] = [];
      for (const s of settled) {
        const { presences, observedAt } = (
          s as PromiseFulfilledResult<{ presences: GraphPresence[]; observedAt: Date }>
        ).value;
        for (const p of presences) {
          if (!p?.id || !sequences.accept(p.id, p.sequenceNumber)) continue;
          samples.push({
            userId: p.id,
            status: toStatus(p.availability, p.activity),
            observedAt,
            raw: toRaw(p),
            source: 'poll',
          });
        }
      }
      return samples;
    },

    async close() {
      limit.clearQueue();
    },
  };
}
