import type { PresenceSample, ResolvedUser } from '../model.ts';

/** What the tracker hands a read besides the people. */
export interface ReadOptions {
  /**
   * Aborted when the tracker stops, which waits for the read under way. A read that is waiting before
   * its next attempt (a `Retry-After`, a back-off, a shared request budget) should give up then,
   * rejecting with the signal's reason, so a stop is not held for as long as the platform asked to
   * wait. A request already in flight may finish, bounded by its own timeout; whether its answer is
   * still returned is the provider's choice (a read that gives up as a whole drops it).
   */
  signal?: AbortSignal;
}

export interface ResolveResult {
  resolved: ResolvedUser[];
  /** Keys that name nobody the provider can see, each with the reason; never thrown. */
  unresolved: { key: string; reason: string }[];
}

/** Where presence comes from: one collaboration platform. */
export interface PresenceProvider {
  /** A short name for logs and errors, e.g. `acme`. */
  readonly name: string;
  /**
   * Turns configured keys (e-mail, UPN, username) into platform ids and display names. Keys the
   * platform does not know are reported in `unresolved`, not thrown; a failure to reach the platform
   * at all throws a `ProviderError`.
   */
  resolveUsers(keys: string[]): Promise<ResolveResult>;
  /** Every user the account may watch, for `users: 'discover'`. */
  discoverUsers?(): Promise<ResolvedUser[]>;
  /**
   * Reads the current status of these users. Does its own batching, paging and rate limiting; a
   * failure throws a `ProviderError`, and the tracker tries again on the next poll. A sample may say
   * until when it holds (`validUntil`, where the platform knows, as a calendar does): the user stays
   * observed until then, `staleAfter` counts from then, and the tracker's next poll may wait until the
   * earliest `validUntil` of everyone it tracks (at most `maxPollInterval`).
   */
  getPresence(userIds: string[], options?: ReadOptions): Promise<PresenceSample[]>;
  /** Pushes samples as the platform announces them, where the platform can. */
  subscribe?(
    userIds: string[],
    onSamples: (samples: PresenceSample[]) => void,
  ): Promise<{ close(): Promise<void> }>;
  /**
   * Where the platform pushes over HTTP (webhooks, change notifications): the host serves `handle` at
   * its push endpoint, behind its reverse proxy, before the tracker subscribes. Absent: the provider
   * only polls, or pushes over a connection of its own.
   */
  readonly push?: PushEndpoint;
  /** Releases connections. */
  close?(): Promise<void>;
  /**
   * How many people one `getPresence` call should be asked about: a poll reads its people in batches
   * of this many, writing each batch while it reads the next, so a poll's memory is a batch's and the
   * platform is read while the store writes. What the platform reads at full speed at once (ids a
   * request times requests in flight) is a good size. `Infinity` when the provider must be asked about
   * everyone at once, as one that chooses whom to read within a rate budget must. The tracker's
   * `pollBatchSize` overrides it (but not `Infinity`); absent, the tracker's default (10,000).
   */
  readonly pollBatchSize?: number;
  /**
   * Where the platform's rate limits let a poll read only some of the people: the longest time
   * between two readings of one person when `people` are polled every `pollInterval` ms. `doctor`
   * warns when it exceeds `staleAfter`, since people would then go stale between readings.
   */
  sweepDuration?(people: number, pollInterval: number): number;
}

/**
 * The part of a provider that receives the platform's HTTP requests, in web-standard `Request` and
 * `Response`, so that any host (the command, a serverless function, a host app's own server) can mount
 * it under any path.
 */
export interface PushEndpoint {
  /**
   * The public addresses the platform was told to send to, as configured. Hosts refuse one that is not
   * https unless it is loopback, and `doctor` sends the platform's handshake to the first.
   */
  readonly urls: readonly string[];
  /**
   * Answers one request the platform sent: a handshake, or notifications, which it checks (signature,
   * shared secret) before any reaches `subscribe`'s callback. Never throws: a refusal is a 4xx answer.
   */
  handle(request: Request): Promise<Response>;
  /**
   * Sends the platform's handshake to `url`, as the platform would, and says whether the answer is the
   * one the platform expects; for `doctor`. Never throws.
   */
  handshake(url: string): Promise<{ ok: boolean; detail: string }>;
}

/** Gives a plugin author's provider its types without any runtime cost. */
export function defineProvider<P extends PresenceProvider>(provider: P): P {
  return provider;
}
