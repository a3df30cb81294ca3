import type { PresenceProvider, PushEndpoint } from '../provider/index.ts';

/**
 * One push endpoint for the platforms that receive the platform's HTTP requests: their addresses
 * together, and each request handed to the platform whose address has the request's path (the only
 * one, when only one platform pushes).
 */
export function combinedPush(platforms: readonly [string, PresenceProvider][]): PushEndpoint | undefined {
  const pushing = platforms.flatMap(([, p]) => (p.push ? [p.push] : []));
  if (pushing.length <= 1) return pushing[0];
  const pathOf = (url: string) => (URL.canParse(url) ? new URL(url).pathname.replace(/\/+$/, '') : url);
  const owner = (path: string) => pushing.find((p) => p.urls.some((u) => pathOf(u) === path));
  return {
    urls: pushing.flatMap((p) => p.urls),
    async handle(request) {
      const endpoint = owner(pathOf(request.url));
      if (!endpoint) return new Response('no platform receives pushes at this path', { status: 404 });
      return endpoint.handle(request);
    },
    async handshake(url) {
      const endpoint = pushing.find((p) => p.urls.includes(url));
      if (!endpoint) return { ok: false, detail: `no platform was told to push to ${url}` };
      return endpoint.handshake(url);
    },
  };
}
