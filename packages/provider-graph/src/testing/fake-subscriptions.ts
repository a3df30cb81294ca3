import {
  constants,
  createCipheriv,
  createHmac,
  publicEncrypt,
  randomBytes,
  randomUUID,
  X509Certificate,
} from 'node:crypto';

/** A presence subscription as the fake keeps it. */
export interface FakeSubscription {
  id: string;
  resource: string;
  /** The ids its filter names. */
  ids: string[];
  changeType: string;
  notificationUrl: string;
  lifecycleNotificationUrl: string | null;
  clientState: string | null;
  expirationDateTime: string;
  includeResourceData: boolean;
  encryptionCertificate: string | null;
  encryptionCertificateId: string | null;
}

/** The presence fields a notification carries, as `getPresencesByUserId` answers them. */
export type PresenceJson = Record<string, unknown> & { id: string };

export interface SubscriptionAnswer {
  status: number;
  body: unknown;
}

/** Graph keeps a presence subscription for at most an hour, and filters on at most 650 ids. */
export const MAX_SUBSCRIPTION_MS = 3_600_000;
export const MAX_SUBSCRIPTION_IDS = 650;
const TENANT = '84bd8158-6d4d-4958-8b9f-9d6445542f95';

const LOOPBACK = new Set(['127.0.0.1', '[::1]', 'localhost']);

/**
 * Graph's side of presence change notifications: `POST /subscriptions` (validated by sending the
 * endpoint a validationToken and expecting it back as text/plain within 10 s), `PATCH` to renew,
 * `DELETE`, `GET /subscriptions`; and the notifications themselves, basic or rich (the presence
 * encrypted with the subscription's certificate as Graph documents it), and lifecycle events.
 */
export class FakeSubscriptions {
  readonly all = new Map<string, FakeSubscription>();
  /** Every notification collection sent, with the endpoint's answer. */
  readonly deliveries: { subscriptionId: string; kind: 'change' | 'lifecycle'; status: number }[] = [];
  readonly #now: () => number;

  constructor(now: () => number) {
    this.#now = now;
  }

  /** Answers `/subscriptions` requests; `undefined` for any other path. */
  async route(method: string, pathname: string, body: unknown): Promise<SubscriptionAnswer | undefined> {
    const one = /^\/subscriptions\/([^/]+)$/.exec(pathname);
    if (pathname === '/subscriptions' && method === 'POST')
      return this.create(body as Record<string, unknown>);
    if (pathname === '/subscriptions' && method === 'GET')
      return {
        status: 200,
        body: {
          '@odata.context': 'https://graph.microsoft.com/v1.0/$metadata#subscriptions',
          // Graph does not give the clientState back when it lists subscriptions.
          value: [...this.all.values()].map((s) => ({ ...this.json(s), clientState: null })),
        },
      };
    if (!one) return undefined;
    const s = this.all.get(one[1]!);
    if (!s) return error(404, 'ResourceNotFound', `The object was not found.`);
    if (method === 'PATCH') {
      const expiry = Date.parse(String((body as { expirationDateTime?: unknown })?.expirationDateTime));
      const problem = this.checkExpiry(expiry);
      if (problem) return problem;
      s.expirationDateTime = new Date(expiry).toISOString();
      return { status: 200, body: this.json(s) };
    }
    if (method === 'DELETE') {
      this.all.delete(s.id);
      return { status: 204, body: null };
    }
    if (method === 'GET') return { status: 200, body: this.json(s) };
    return undefined;
  }

  private async create(body: Record<string, unknown>): Promise<SubscriptionAnswer> {
    const resource = String(body?.resource ?? '');
    const match = /^\/?communications\/presences\?\$filter=id in \((.*)\)$/i.exec(resource);
    if (!match) return error(400, 'InvalidRequest', `Unsupported resource '${resource}'.`);
    const ids = match[1]!.split(',').map((s) => s.trim().replace(/^'(.*)'$/, '$1'));
    if (ids.length > MAX_SUBSCRIPTION_IDS)
      return error(
        400,
        'InvalidRequest',
        `A presence subscription filters on at most ${MAX_SUBSCRIPTION_IDS} ids.`,
      );
    if (body.changeType !== 'updated')
      return error(400, 'InvalidRequest', 'Presence subscriptions support the changeType updated only.');
    const expiry = Date.parse(String(body.expirationDateTime));
    const problem = this.checkExpiry(expiry);
    if (problem) return problem;
    if (body.includeResourceData === true && typeof body.encryptionCertificate !== 'string')
      return error(
        400,
        'InvalidRequest',
        'encryptionCertificate is required when includeResourceData is true.',
      );
    for (const field of ['notificationUrl', 'lifecycleNotificationUrl'] as const) {
      const value = body[field];
      if (value === undefined && field === 'lifecycleNotificationUrl') continue;
      const url = typeof value === 'string' && URL.canParse(value) ? new URL(value) : undefined;
      // Graph calls only https endpoints; the fake allows http on loopback, where tests listen.
      if (!url || (url.protocol !== 'https:' && !(url.protocol === 'http:' && LOOPBACK.has(url.hostname))))
        return error(400, 'InvalidRequest', `${field} must be an https URL.`);
      if (!(await validates(url.href)))
        return error(
          400,
          'InvalidRequest',
          'Subscription validation request failed. Notification endpoint must respond with 200 OK to validation request.',
        );
    }
    const s: FakeSubscription = {
      id: randomUUID(),
      resource,
      ids,
      changeType: 'updated',
      notificationUrl: String(body.notificationUrl),
      lifecycleNotificationUrl:
        typeof body.lifecycleNotificationUrl === 'string' ? body.lifecycleNotificationUrl : null,
      clientState: typeof body.clientState === 'string' ? body.clientState : null,
      expirationDateTime: new Date(expiry).toISOString(),
      includeResourceData: body.includeResourceData === true,
      encryptionCertificate:
        typeof body.encryptionCertificate === 'string' ? body.encryptionCertificate : null,
      encryptionCertificateId:
        typeof body.encryptionCertificateId === 'string' ? body.encryptionCertificateId : null,
    };
    this.all.set(s.id, s);
    return { status: 201, body: this.json(s) };
  }

  private checkExpiry(expiry: number): SubscriptionAnswer | undefined {
    if (Number.isNaN(expiry)) return error(400, 'InvalidRequest', 'expirationDateTime is required.');
    if (expiry <= this.#now())
      return error(400, 'InvalidRequest', 'expirationDateTime must be in the future.');
    if (expiry > this.#now() + MAX_SUBSCRIPTION_MS)
      return error(
        400,
        'InvalidRequest',
        'Subscription expiration can only be 60 minutes in the future for presence subscriptions.',
      );
    return undefined;
  }

  private json(s: FakeSubscription) {
    return {
      '@odata.context': 'https://graph.microsoft.com/v1.0/$metadata#subscriptions/$entity',
      id: s.id,
      resource: s.resource,
      applicationId: '24d3b144-21ae-4080-943f-7067b395b913',
      changeType: s.changeType,
      clientState: s.clientState,
      notificationUrl: s.notificationUrl,
      lifecycleNotificationUrl: s.lifecycleNotificationUrl,
      expirationDateTime: s.expirationDateTime,
      creatorId: 'c9b4b7a5-fa8a-4b5b-9a1f-ab8d3f4e1e3c',
      includeResourceData: s.includeResourceData,
      latestSupportedTlsVersion: 'v1_2',
      encryptionCertificate: s.encryptionCertificate,
      encryptionCertificateId: s.encryptionCertificateId,
      notificationUrlAppId: null,
    };
  }

  /** The subscriptions whose filter names this person. */
  covering(userId: string): FakeSubscription[] {
    const id = userId.toLowerCase();
    return [...this.all.values()].filter((s) => s.ids.some((x) => x.toLowerCase() === id));
  }

  /** One change notification for a person's presence, basic, or rich with the presence encrypted. */
  notification(
    s: FakeSubscription,
    presence: PresenceJson,
    clientState = s.clientState,
  ): Record<string, unknown> {
    const resource = `communications/presences('${presence.id}')`;
    const base = {
      subscriptionId: s.id,
      clientState,
      changeType: 'updated',
      resource,
      subscriptionExpirationDateTime: s.expirationDateTime,
      tenantId: TENANT,
      resourceData: {
        '@odata.type': '#Microsoft.Graph.presence',
        '@odata.id': resource,
        id: presence.id,
      },
    };
    if (!s.includeResourceData || !s.encryptionCertificate) return base;
    return {
      ...base,
      encryptedContent: encrypt(
        { '@odata.type': '#Microsoft.Graph.presence', '@odata.id': resource, ...presence },
        s.encryptionCertificate,
        s.encryptionCertificateId,
      ),
    };
  }

  /** Sends a collection of change notifications to a subscription's notificationUrl; resolves with the status. */
  async send(s: FakeSubscription, notifications: Record<string, unknown>[]): Promise<number> {
    const status = await post(s.notificationUrl, { value: notifications });
    this.deliveries.push({ subscriptionId: s.id, kind: 'change', status });
    return status;
  }

  /** Sends a lifecycle notification, to `lifecycleNotificationUrl` where there is one. */
  async lifecycle(s: FakeSubscription, event: 'reauthorizationRequired' | 'subscriptionRemoved' | 'missed') {
    if (event === 'subscriptionRemoved') this.all.delete(s.id);
    const status = await post(s.lifecycleNotificationUrl ?? s.notificationUrl, {
      value: [
        {
          subscriptionId: s.id,
          subscriptionExpirationDateTime: s.expirationDateTime,
          tenantId: TENANT,
          clientState: s.clientState,
          lifecycleEvent: event,
        },
      ],
    });
    this.deliveries.push({ subscriptionId: s.id, kind: 'lifecycle', status });
    return status;
  }
}

function error(status: number, code: string, message: string): SubscriptionAnswer {
  return { status, body: { error: { code, message, innerError: { 'request-id': randomUUID() } } } };
}

/** Graph's validation request: the token must come back as text/plain, 200, within 10 s. */
async function validates(url: string): Promise<boolean> {
  const token = `Validation: Testing client application reachability for subscription Request-Id: ${randomUUID()}`;
  const target = new URL(url);
  target.searchParams.set('validationToken', token);
  try {
    const answer = await fetch(target, {
      method: 'POST',
      headers: { 'content-type': 'text/plain; charset=utf-8' },
      signal: AbortSignal.timeout(10_000),
    });
    const text = await answer.text();
    return (
      answer.status === 200 && text === token && /^text\/plain/.test(answer.headers.get('content-type') ?? '')
    );
  } catch {
    return false;
  }
}

async function post(url: string, body: unknown): Promise<number> {
  const answer = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json; charset=utf-8' },
    body: JSON.stringify(body),
  });
  await answer.arrayBuffer();
  return answer.status;
}

/**
 * Graph's encryption of a rich notification's resource: a fresh AES-256 key, the data AES-CBC with
 * PKCS#7 padding and the key's first 16 bytes as IV, signed with HMAC-SHA256 under the key, and the
 * key wrapped with the subscription certificate's public key (RSA-OAEP, SHA-1).
 */
function encrypt(resource: unknown, certificateBase64: string, certificateId: string | null) {
  const certificate = new X509Certificate(Buffer.from(certificateBase64, 'base64'));
  const key = randomBytes(32);
  const cipher = createCipheriv('aes-256-cbc', key, key.subarray(0, 16));
  const data = Buffer.concat([cipher.update(JSON.stringify(resource), 'utf8'), cipher.final()]);
  return {
    data: data.toString('base64'),
    dataSignature: createHmac('sha256', key).update(data).digest('base64'),
    dataKey: publicEncrypt(
      { key: certificate.publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' },
      key,
    ).toString('base64'),
    encryptionCertificateId: certificateId,
    encryptionCertificateThumbprint: certificate.fingerprint.replaceAll(':', ''),
  };
}
