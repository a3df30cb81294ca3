import type { Client } from '@microsoft/microsoft-graph-client';
import type { Clock } from '@presence-tracker/core';
import type { ResolvedPush } from './options.ts';

/** Graph's documented limit of ids in one presence subscription's filter. */
export const IDS_PER_SUBSCRIPTION = 650;

export interface PresenceSubscription {
  id: string;
  /** The people it covers, ids as the tracker gave them. */
  ids: string[];
  /** When Graph ends it, on the clock. */
  expiresAt: number;
}

/** A subscription as `GET /subscriptions` lists it (the fields read here). */
export interface ListedSubscription {
  id: string;
  resource?: string;
  notificationUrl?: string;
  clientState?: string | null;
  expirationDateTime?: string;
}

/** `communications/presences?$filter=id in ('a','b')`, as Graph's presence notification page writes it. */
export function presenceResource(ids: readonly string[]): string {
  return `/communications/presences?$filter=id in (${ids.map((id) => `'${id}'`).join(',')})`;
}

/** The ids of a presence subscription's resource, or null for any other resource. */
export function idsOfResource(resource: string | undefined): string[] | null {
  const match = /^\/?communications\/presences\?\$filter=id in \((.*)\)$/i.exec(resource ?? '');
  if (!match) return null;
  return match[1]!
    .split(',')
    .map((s) => s.trim().replace(/^'(.*)'$/, '$1'))
    .filter(Boolean);
}

/** The same people, whatever their order and case. */
export function sameSet(a: readonly string[], b: readonly string[]): boolean {
  const key = (ids: readonly string[]) => [...new Set(ids.map((id) => id.toLowerCase()))].sort().join(',');
  return key(a) === key(b);
}

/** Graph's subscription operations, as the push side of the provider uses them. */
export class SubscriptionApi {
  readonly #client: Client;
  readonly #push: ResolvedPush;
  readonly #clock: Clock;

  constructor(client: Client, push: ResolvedPush, clock: Clock) {
    this.#client = client;
    this.#push = push;
    this.#clock = clock;
  }

  /** Every subscription this app and signed-in person hold, across pages. */
  async list(): Promise<ListedSubscription[]> {
    const all: ListedSubscription[] = [];
    let page: { value?: ListedSubscription[]; '@odata.nextLink'?: string } = await this.#client
      .api('/subscriptions')
      .get();
    for (let n = 0; ; n++) {
      all.push(...(page.value ?? []));
      const next = page['@odata.nextLink'];
      if (!next || n > 100) return all;
      page = await this.#client.api(next).get();
    }
  }

  async create(ids: string[]): Promise<PresenceSubscription> {
    const p = this.#push;
    const created: ListedSubscription = await this.#client.api('/subscriptions').post({
      changeType: 'updated',
      notificationUrl: p.notificationUrl,
      ...(p.lifecycleNotificationUrl && { lifecycleNotificationUrl: p.lifecycleNotificationUrl }),
      resource: presenceResource(ids),
      expirationDateTime: this.expiry(),
      clientState: p.clientState,
      ...(p.certificate && {
        includeResourceData: true,
        encryptionCertificate: p.certificate.der,
        encryptionCertificateId: p.certificate.id,
      }),
    });
    return { id: created.id, ids, expiresAt: this.expiresAt(created) };
  }

  /** Asks for a new expiry; renewing also reauthorizes a subscription. Resolves with the new expiry. */
  async renew(id: string): Promise<number> {
    const renewed: ListedSubscription = await this.#client
      .api(`/subscriptions/${encodeURIComponent(id)}`)
      .patch({ expirationDateTime: this.expiry() });
    return this.expiresAt(renewed);
  }

  /** Deletes a subscription; one Graph no longer has counts as deleted. */
  async remove(id: string): Promise<void> {
    try {
      await this.#client.api(`/subscriptions/${encodeURIComponent(id)}`).delete();
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode !== 404) throw error;
    }
  }

  private expiry(): string {
    return new Date(this.#clock.now().getTime() + this.#push.lifetime).toISOString();
  }

  private expiresAt(s: ListedSubscription): number {
    const at = s.expirationDateTime ? Date.parse(s.expirationDateTime) : Number.NaN;
    return Number.isNaN(at) ? this.#clock.now().getTime() + this.#push.lifetime : at;
  }
}
