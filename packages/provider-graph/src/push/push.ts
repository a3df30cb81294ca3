import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { Clock, Logger, PresenceSample, PushEndpoint, ReadOptions } from '@presence-tracker/core';
import { PROVIDER } from '../errors.ts';
import { type GraphPresence, type SequenceFilter, toRaw, toStatus } from '../presence.ts';
import { decryptResource, type EncryptedContent } from './decrypt.ts';
import type { ResolvedPush } from './options.ts';
import {
  IDS_PER_SUBSCRIPTION,
  idsOfResource,
  type PresenceSubscription,
  type SubscriptionApi,
  sameSet,
} from './subscriptions.ts';

/** One item of a notification collection: a change notification or a lifecycle notification. */
interface Notification {
  subscriptionId?: string;
  clientState?: string | null;
  changeType?: string;
  lifecycleEvent?: string;
  resource?: string;
  resourceData?: { id?: string };
  encryptedContent?: EncryptedContent;
}

export interface PushDeps {
  clock: Clock;
  logger: Logger;
  /** The order of readings across push and poll. */
  sequences: SequenceFilter;
  /** Reads these people's presence with `getPresencesByUserId`, batched; readings pass `sequences`. */
  read(ids: string[], signal?: AbortSignal): Promise<PresenceSample[]>;
}

/**
 * Microsoft Graph change notifications for presence: subscriptions of at most 650 people each, found
 * again or replaced at a start, renewed at the first poll within `renewBefore` of expiry, re-created
 * after a `missed` or `subscriptionRemoved` lifecycle event (the people read at once) and deleted at
 * close. Notifications are answered at once; each must carry `clientState`, or it is refused and
 * logged, never applied. A rich notification's presence is decrypted; a basic one names the people
 * to read, and names that arrive while a read is under way are read together after it.
 *
 * Polls keep going: everyone is read together once per `reconcileInterval`, and in between a poll
 * confirms what was last heard of people under a live subscription without a request, so they do not
 * go stale; people not covered, and those whose change could not be read, are read at every poll.
 */
export class GraphPush {
  readonly endpoint: PushEndpoint;
  readonly #o: ResolvedPush;
  readonly #api: SubscriptionApi;
  readonly #deps: PushDeps;
  readonly #subs = new Map<string, PresenceSubscription>();
  /** Each covered person's subscription, by lower-case id. */
  #byUser = new Map<string, string>();
  #listener: ((samples: PresenceSample[]) => void) | null = null;
  #asked = new Map<string, string>();
  readonly #last = new Map<string, PresenceSample>();
  /** When everyone was last read; all at once, so a reconciliation costs as few requests as a poll. */
  #reconciledAt: number | null = null;
  /** People whose change was heard but could not be read: read at the next poll. */
  readonly #unsure = new Set<string>();
  readonly #pending = new Set<string>();
  #fetching: Promise<void> | null = null;
  #retryCreateAt = 0;
  #work: Promise<unknown> = Promise.resolve();

  constructor(o: ResolvedPush, api: SubscriptionApi, deps: PushDeps) {
    this.#o = o;
    this.#api = api;
    this.#deps = deps;
    this.endpoint = {
      urls: [o.notificationUrl, ...(o.lifecycleNotificationUrl ? [o.lifecycleNotificationUrl] : [])],
      handle: (request) => this.handle(request),
      handshake: (url) => this.handshake(url),
    };
  }

  /** The subscriptions held now. */
  get subscriptions(): PresenceSubscription[] {
    return [...this.#subs.values()];
  }

  /**
   * Subscribes to these people: subscriptions this app already holds for exactly the same people at
   * the same notification URL (a restart) are renewed and kept, other presence subscriptions to that
   * URL deleted, the rest created. A failure is logged, not thrown: those people stay on polling and
   * a later poll tries again.
   */
  async subscribe(userIds: string[], onSamples: (samples: PresenceSample[]) => void) {
    const wanted = [...new Set(userIds)];
    this.#asked = new Map(wanted.map((id) => [id.toLowerCase(), id]));
    this.#listener = onSamples;
    await this.serially(() => this.takeUp(wanted));
    return { close: () => this.close() };
  }

  /** A poll: subscriptions kept up, people due for reconciliation read, the others confirmed. */
  async poll(userIds: string[], options?: ReadOptions): Promise<PresenceSample[]> {
    if (this.#listener) await this.serially(() => this.maintain());
    const now = this.#deps.clock.now();
    const reconcile =
      this.#reconciledAt === null || now.getTime() - this.#reconciledAt >= this.#o.reconcileInterval;
    const due: string[] = [];
    const confirmed: PresenceSample[] = [];
    for (const id of new Set(userIds)) {
      const last = this.#last.get(id);
      if (!reconcile && last && !this.#unsure.has(id) && this.covers(id, now.getTime()))
        confirmed.push({ ...last, observedAt: now, source: 'push' });
      else due.push(id);
    }
    const read = due.length > 0 ? await this.#deps.read(due, options?.signal) : [];
    if (reconcile) this.#reconciledAt = now.getTime();
    for (const id of due) this.#unsure.delete(id);
    this.remember(read);
    return [...read, ...confirmed];
  }

  async close(): Promise<void> {
    this.#listener = null;
    await this.serially(async () => {
      const all = [...this.#subs.values()];
      this.#subs.clear();
      this.#byUser.clear();
      await Promise.all(
        all.map((s) => this.#api.remove(s.id).catch((e: unknown) => this.warn('deleting a subscription', e))),
      );
    });
    await this.#fetching;
  }

  // ---- subscriptions

  private async takeUp(wanted: string[]) {
    const chunks: string[][] = [];
    const sorted = [...wanted].sort();
    for (let i = 0; i < sorted.length; i += IDS_PER_SUBSCRIPTION)
      chunks.push(sorted.slice(i, i + IDS_PER_SUBSCRIPTION));
    const open = new Set(chunks.map((_, i) => i));
    let listed: Awaited<ReturnType<SubscriptionApi['list']>> = [];
    try {
      listed = await this.#api.list();
    } catch (error) {
      this.warn('listing subscriptions', error);
    }
    for (const s of listed) {
      const ids = idsOfResource(s.resource);
      if (ids === null || s.notificationUrl !== this.#o.notificationUrl || this.#subs.has(s.id)) continue;
      const i = [...open].find((k) => sameSet(chunks[k]!, ids));
      const sameSecret = s.clientState == null || s.clientState === this.#o.clientState;
      if (i !== undefined && sameSecret) {
        try {
          this.add({ id: s.id, ids: chunks[i]!, expiresAt: await this.#api.renew(s.id) });
          open.delete(i);
          this.#deps.logger.info(
            { provider: PROVIDER, subscription: s.id, people: ids.length },
            'graph: subscription taken up again',
          );
          continue;
        } catch (error) {
          this.warn('renewing a subscription found at start', error);
        }
      }
      await this.#api.remove(s.id).catch((e: unknown) => this.warn('deleting an old subscription', e));
    }
    for (const i of open) await this.create(chunks[i]!);
  }

  private async create(ids: string[]): Promise<boolean> {
    try {
      const s = await this.#api.create(ids);
      this.add(s);
      this.#deps.logger.info(
        { provider: PROVIDER, subscription: s.id, people: ids.length, expires: new Date(s.expiresAt) },
        'graph: subscribed to presence',
      );
      return true;
    } catch (error) {
      this.#retryCreateAt = this.#deps.clock.now().getTime() + this.#o.reconcileInterval;
      this.warn(`subscribing to ${ids.length} people (they stay on polling)`, error);
      return false;
    }
  }

  /** Renews what expires within `renewBefore`, re-creates what Graph lost, covers who is uncovered. */
  private async maintain() {
    const now = this.#deps.clock.now().getTime();
    for (const s of [...this.#subs.values()]) {
      if (s.expiresAt - now > this.#o.renewBefore) continue;
      try {
        s.expiresAt = await this.#api.renew(s.id);
      } catch (error) {
        this.warn('renewing a subscription (it is created again)', error);
        this.drop(s.id);
        await this.#api.remove(s.id).catch(() => {});
        await this.create(s.ids);
      }
    }
    const uncovered = [...this.#asked.values()].filter((id) => !this.#byUser.has(id.toLowerCase()));
    if (uncovered.length === 0 || now < this.#retryCreateAt) return;
    for (let i = 0; i < uncovered.length; i += IDS_PER_SUBSCRIPTION)
      if (!(await this.create(uncovered.slice(i, i + IDS_PER_SUBSCRIPTION)))) return;
  }

  private add(s: PresenceSubscription) {
    this.#subs.set(s.id, s);
    for (const id of s.ids) this.#byUser.set(id.toLowerCase(), s.id);
  }

  private drop(id: string) {
    const s = this.#subs.get(id);
    this.#subs.delete(id);
    for (const u of s?.ids ?? [])
      if (this.#byUser.get(u.toLowerCase()) === id) this.#byUser.delete(u.toLowerCase());
  }

  private covers(userId: string, now: number): boolean {
    const s = this.#subs.get(this.#byUser.get(userId.toLowerCase()) ?? '');
    return s !== undefined && s.expiresAt > now;
  }

  /** Subscription work one at a time, so a lifecycle event and a poll never renew the same one twice. */
  private serially<T>(work: () => Promise<T>): Promise<T> {
    const next = this.#work.then(work, work);
    this.#work = next.catch(() => {});
    return next;
  }

  // ---- notifications

  async handle(request: Request): Promise<Response> {
    const token = new URL(request.url).searchParams.get('validationToken');
    // Graph's validation request: the token echoed as plain text, within 10 s.
    if (token !== null)
      return new Response(token, { status: 200, headers: { 'content-type': 'text/plain' } });
    if (request.method !== 'POST') return text(405, 'expected POST');
    let items: Notification[];
    try {
      const body = (await request.json()) as { value?: unknown };
      if (!Array.isArray(body?.value)) throw new Error('no value');
      items = body.value as Notification[];
    } catch {
      return text(400, 'expected a notification collection: { "value": [...] }');
    }
    let refused = 0;
    const toRead: string[] = [];
    const samples: PresenceSample[] = [];
    for (const n of items) {
      if (!this.trusted(n?.clientState)) {
        refused++;
        continue;
      }
      if (typeof n.lifecycleEvent === 'string') {
        void this.serially(() => this.lifecycle(n)).catch((e: unknown) => this.warn(n.lifecycleEvent!, e));
        continue;
      }
      const id = this.userOf(n);
      if (id === undefined) continue;
      if (n.encryptedContent && this.#o.certificate) {
        try {
          const presence = decryptResource(
            n.encryptedContent,
            this.#o.certificate.privateKey,
          ) as GraphPresence;
          const now = this.#deps.clock.now();
          if (!this.#deps.sequences.accept(id, presence.sequenceNumber)) continue;
          samples.push({
            userId: id,
            status: toStatus(presence.availability, presence.activity),
            observedAt: now,
            raw: toRaw(presence, now),
            source: 'push',
          });
        } catch (error) {
          refused++;
          this.#deps.logger.warn(
            { provider: PROVIDER, subscription: n.subscriptionId, reason: (error as Error).message },
            'graph: a rich notification could not be verified; not applied',
          );
        }
        continue;
      }
      toRead.push(id);
    }
    if (refused > 0)
      this.#deps.logger.warn(
        { provider: PROVIDER, refused, of: items.length },
        'graph: notifications refused (clientState or dataSignature did not match); none of them applied',
      );
    if (samples.length > 0) this.deliver(samples);
    if (toRead.length > 0) this.readSoon(toRead);
    return refused > 0 && refused === items.length
      ? text(403, 'refused')
      : new Response(null, { status: 202 });
  }

  private trusted(clientState: unknown): boolean {
    if (typeof clientState !== 'string') return false;
    const given = Buffer.from(clientState);
    const expected = Buffer.from(this.#o.clientState);
    return given.length === expected.length && timingSafeEqual(given, expected);
  }

  private userOf(n: Notification): string | undefined {
    const raw = n.resourceData?.id ?? /presences\('([^']+)'\)/i.exec(n.resource ?? '')?.[1];
    return raw === undefined ? undefined : this.#asked.get(raw.toLowerCase());
  }

  private async lifecycle(n: Notification) {
    const s = this.#subs.get(n.subscriptionId ?? '');
    if (!s) {
      this.#deps.logger.warn(
        { provider: PROVIDER, subscription: n.subscriptionId, event: n.lifecycleEvent },
        'graph: lifecycle notification for a subscription not held; ignored',
      );
      return;
    }
    this.#deps.logger.info(
      { provider: PROVIDER, subscription: s.id, event: n.lifecycleEvent },
      'graph: lifecycle notification',
    );
    if (n.lifecycleEvent === 'reauthorizationRequired') {
      try {
        s.expiresAt = await this.#api.renew(s.id);
        return;
      } catch (error) {
        this.warn('reauthorizing a subscription (it is created again)', error);
      }
    }
    // missed, subscriptionRemoved, or a renewal that failed: a new subscription, and the people read
    // now, since what changed meanwhile was not heard.
    this.drop(s.id);
    await this.#api.remove(s.id).catch(() => {});
    await this.create(s.ids);
    const read = await this.#deps.read(s.ids);
    this.remember(read);
    if (read.length > 0) this.#listener?.(read);
  }

  /** Reads the people basic notifications named; names arriving meanwhile wait for the next read. */
  private readSoon(ids: string[]) {
    for (const id of ids) this.#pending.add(id);
    this.#fetching ??= (async () => {
      while (this.#pending.size > 0) {
        const batch = [...this.#pending];
        this.#pending.clear();
        try {
          const read = await this.#deps.read(batch);
          this.deliver(read.map((s) => ({ ...s, source: 'push' as const })));
        } catch (error) {
          // What changed is unknown: the next poll reads these people instead of confirming them.
          for (const id of batch) this.#unsure.add(id);
          this.warn(`reading ${batch.length} people a notification named`, error);
        }
      }
    })().finally(() => {
      this.#fetching = null;
    });
  }

  private deliver(samples: PresenceSample[]) {
    this.remember(samples);
    if (this.#listener && samples.length > 0) this.#listener(samples);
  }

  private remember(samples: PresenceSample[]) {
    for (const s of samples) this.#last.set(s.userId, s);
  }

  async handshake(url: string): Promise<{ ok: boolean; detail: string }> {
    const token = `presence-tracker doctor ${randomBytes(8).toString('hex')}`;
    const target = new URL(url);
    target.searchParams.set('validationToken', token);
    try {
      const answer = await fetch(target, {
        method: 'POST',
        headers: { 'content-type': 'text/plain' },
        signal: AbortSignal.timeout(10_000),
      });
      const body = await answer.text();
      if (answer.status === 200 && body === token)
        return { ok: true, detail: `${url} echoes Graph's validation token` };
      return { ok: false, detail: `${url} answered ${answer.status} without echoing the validation token` };
    } catch (error) {
      const reason = (error as Error & { cause?: Error }).cause?.message ?? (error as Error).message;
      return { ok: false, detail: `${url} could not be reached: ${reason}` };
    }
  }

  private warn(doing: string, error: unknown) {
    this.#deps.logger.warn(
      { provider: PROVIDER, error: (error as Error)?.message ?? String(error) },
      `graph: ${doing} failed`,
    );
  }
}

function text(status: number, body: string): Response {
  return new Response(body, { status, headers: { 'content-type': 'text/plain; charset=utf-8' } });
}
