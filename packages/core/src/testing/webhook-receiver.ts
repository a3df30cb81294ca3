import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  /** 0 for the first request the receiver got. */
  n: number;
  url: string;
  headers: IncomingHttpHeaders;
  /** The body exactly as it came. */
  raw: Buffer;
  at: number;
}

export interface Reply {
  status?: number;
  headers?: Record<string, string>;
  /** Answer only after this long. */
  delayMs?: number;
  /** Never answer; the client has to give up. */
  hang?: boolean;
}

/**
 * A webhook endpoint on loopback that records every request and answers as `reply` says, so a
 * test can make it fail, throttle, vanish or hang. For testing notifiers and webhook formats.
 */
export async function startWebhookReceiver(reply: (request: Received) => Reply = () => ({})) {
  const requests: Received[] = [];
  const waiters: { count: number; resolve: () => void }[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const request: Received = {
        n: requests.length,
        url: req.url ?? '',
        headers: req.headers,
        raw: Buffer.concat(chunks),
        at: Date.now(),
      };
      requests.push(request);
      for (const w of [...waiters]) {
        if (requests.length >= w.count) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve();
        }
      }
      const r = reply(request);
      if (r.hang) return;
      const send = () => {
        res.writeHead(r.status ?? 200, { 'content-type': 'text/plain', ...r.headers });
        res.end('ok');
      };
      if (r.delayMs) setTimeout(send, r.delayMs);
      else send();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    /** Resolves once `count` requests have come in. */
    waitFor(count: number, timeoutMs = 5000): Promise<void> {
      if (requests.length >= count) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`only ${requests.length} of ${count} requests came within ${timeoutMs} ms`)),
          timeoutMs,
        );
        waiters.push({
          count,
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
        });
      });
    },
    /** The parsed JSON bodies. */
    bodies(): unknown[] {
      return requests.map((r) => JSON.parse(r.raw.toString('utf8')));
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export type WebhookReceiver = Awaited<ReturnType<typeof startWebhookReceiver>>;
