import { useEffect, useState } from 'preact/hooks';

/**
 * The page and its settings live in the URL's fragment (`#/timeline?day=2026-12-04&zone=UTC`), so every
 * view can be bookmarked and shared, and the server needs no route per page.
 */
export interface Route {
  path: string;
  /** The path's parts after the page's name: `#/people/abc` gives `['abc']`. */
  rest: string[];
  params: URLSearchParams;
}

export function parseRoute(hash: string): Route {
  const text = hash.replace(/^#/, '') || '/now';
  const [path = '/now', search = ''] = text.split('?', 2);
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  return { path: `/${parts[0] ?? 'now'}`, rest: parts.slice(1), params: new URLSearchParams(search) };
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const changed = () => setRoute(parseRoute(location.hash));
    addEventListener('hashchange', changed);
    return () => removeEventListener('hashchange', changed);
  }, []);
  return route;
}

export function href(path: string, params: Record<string, string | undefined> = {}): string {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params))
    if (value !== undefined && value !== '') search.set(name, value);
  const text = search.toString();
  return `#${path}${text ? `?${text}` : ''}`;
}

/** Changes the current page's settings, keeping one history entry per change the reader made. */
export function setParams(route: Route, changes: Record<string, string | undefined>): void {
  const params: Record<string, string | undefined> = Object.fromEntries(route.params);
  Object.assign(params, changes);
  const path = [route.path, ...route.rest.map(encodeURIComponent)].join('/');
  location.hash = href(path, params);
}
