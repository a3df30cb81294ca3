import { Webhook } from 'standardwebhooks';

/** Request headers as Node's `http`, fetch's `Headers` or a plain object give them. */
export type WebhookHeaders = Headers | Record<string, string | readonly string[] | undefined>;

/**
 * Whether a request carries a valid Standard Webhooks signature for `secret` (`whsec_...`): the
 * `webhook-signature` matches the HMAC of `webhook-id`, `webhook-timestamp` and the body exactly as
 * received, and the timestamp is within five minutes of now (against replays). Never throws: a missing
 * header, a malformed secret or a changed byte is simply `false`. Dedupe on `webhook-id`: the same
 * event keeps it on every attempt.
 */
export function verifyWebhook(secret: string, headers: WebhookHeaders, body: string | Uint8Array): boolean {
  try {
    const payload = typeof body === 'string' ? body : utf8(body);
    if (payload === null) return false;
    new Webhook(secret).verify(
      payload,
      {
        'webhook-id': header(headers, 'webhook-id'),
        'webhook-timestamp': header(headers, 'webhook-timestamp'),
        'webhook-signature': header(headers, 'webhook-signature'),
      },
      { jsonParse: false },
    );
    return true;
  } catch {
    return false;
  }
}

function header(headers: WebhookHeaders, name: string): string {
  if (headers instanceof Headers) return headers.get(name) ?? '';
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() !== name || value === undefined) continue;
    return typeof value === 'string' ? value : value.join(' ');
  }
  return '';
}

/** The body as text, or `null` when its bytes are not valid UTF-8 (and so not what was signed). */
function utf8(bytes: Uint8Array): string | null {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    return null;
  }
}
