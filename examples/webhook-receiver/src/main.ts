/**
 * A webhook receiver for presence-tracker: checks each request's Standard Webhooks signature, drops
 * repeated deliveries by their `webhook-id`, and hands each event on once.
 *
 *   WEBHOOK_SECRET=whsec_... PORT=8787 pnpm start
 */
import { createServer, type IncomingMessage, type RequestListener, type ServerResponse } from 'node:http';
import { type TrackerEventBody, verifyWebhook } from '@presence-tracker/core';
import { describeEvent, trackerEventSchema } from '@presence-tracker/core/webhook';

export interface ReceiverOptions {
  /** The `whsec_...` secret shared with the tracker's `webhookNotifier`. */
  secret: string;
  /** Called once per event id; throwing answers 500, so the tracker tries again later. */
  onEvent(event: TrackerEventBody, id: string): void | Promise<void>;
  /** How many recent ids to remember for dropping repeats. Default: 10,000. */
  remember?: number;
}

const MAX_BODY = 1024 * 1024;

/** The request handler: 401 for a bad signature, 400 for a body that is not an event, 204 otherwise. */
export function webhookHandler(options: ReceiverOptions): RequestListener {
  const remember = options.remember ?? 10_000;
  // Insertion-ordered, so the oldest id is the first to forget.
  const seen = new Set<string>();

  return async (req: IncomingMessage, res: ServerResponse) => {
    if (req.method !== 'POST') return answer(res, 405);
    let raw: Buffer;
    try {
      raw = await readBody(req);
    } catch {
      return answer(res, 413);
    }
    // The signature covers the bytes as sent: check it before parsing anything.
    if (!verifyWebhook(options.secret, req.headers, raw)) return answer(res, 401);
    const id = String(req.headers['webhook-id']);
    if (seen.has(id)) return answer(res, 204);

    let event: TrackerEventBody;
    try {
      event = trackerEventSchema.parse(JSON.parse(raw.toString('utf8')));
    } catch {
      return answer(res, 400);
    }
    // Taken before handling, so a repeat arriving meanwhile is dropped too; given back on failure.
    seen.add(id);
    if (seen.size > remember) seen.delete(seen.values().next().value!);
    try {
      await options.onEvent(event, id);
    } catch {
      seen.delete(id);
      return answer(res, 500);
    }
    answer(res, 204);
  };
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) {
        reject(new Error('body too large'));
        req.destroy();
      } else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function answer(res: ServerResponse, status: number) {
  res.writeHead(status).end();
}

if (import.meta.main) {
  const secret = process.env.WEBHOOK_SECRET;
  if (!secret?.startsWith('whsec_')) {
    console.error('Set WEBHOOK_SECRET to the whsec_... secret given to webhookNotifier.');
    process.exit(1);
  }
  const port = Number(process.env.PORT ?? 8787);
  const server = createServer(
    webhookHandler({
      secret,
      onEvent(event, id) {
        const words = describeEvent({
          id,
          type: event.type,
          timestamp: new Date(event.timestamp),
          data: event.data,
        });
        console.log(`${event.timestamp} ${event.type} ${words.text}`);
      },
    }),
  );
  server.listen(port, () => console.log(`listening on http://localhost:${port}/`));
}
