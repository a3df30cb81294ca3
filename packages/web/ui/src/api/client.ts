import { useEffect, useState } from 'preact/hooks';

export type Query = Record<string, string | readonly string[] | undefined>;

/** A response that was not 2xx, with the RFC 9457 problem's detail when the server sent one. */
export class ApiError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
  }
}

export function apiUrl(path: string, query: Query = {}): string {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (value === undefined) continue;
    for (const one of typeof value === 'string' ? [value] : value) search.append(name, one);
  }
  const text = search.toString();
  return text ? `${path}?${text}` : path;
}

export async function getJson<T>(path: string, query: Query = {}, signal?: AbortSignal): Promise<T> {
  const response = await fetch(apiUrl(path, query), {
    signal,
    headers: { accept: 'application/json' },
    credentials: 'same-origin',
  });
  if (response.status === 401) {
    // Signed out (the cookie expired or the token changed): the page itself now answers with the login form.
    location.reload();
    throw new ApiError(401, 'signed out');
  }
  if (!response.ok) {
    let message = `${response.status} ${response.statusText}`;
    try {
      const problem = (await response.json()) as { title?: string; detail?: string };
      message = problem.detail ?? problem.title ?? message;
    } catch {
      // Not a problem document: the status line says enough.
    }
    throw new ApiError(response.status, message);
  }
  return (await response.json()) as T;
}

export interface Loaded<T> {
  data: T | undefined;
  error: Error | undefined;
  loading: boolean;
}

interface Held<T> extends Loaded<T> {
  /** The address `data` was read from. */
  url: string | null;
}

/**
 * The JSON at `path` with `query`, fetched again when either changes or `version` moves on; a change
 * cancels the request still under way, so an older answer never replaces a newer one. While a new
 * answer is on its way the last one stays, so a page read again (after a live change) does not
 * flicker; a read again of the same address that fails keeps what was shown, beside the error.
 */
export function useJson<T>(path: string | null, query: Query = {}, version = 0): Loaded<T> {
  const url = path === null ? null : apiUrl(path, query);
  const [state, setState] = useState<Held<T>>({
    data: undefined,
    error: undefined,
    loading: url !== null,
    url: null,
  });
  useEffect(() => {
    if (url === null) return;
    const controller = new AbortController();
    setState((previous) => ({ ...previous, loading: true }));
    getJson<T>(url, {}, controller.signal).then(
      (data) => setState({ data, error: undefined, loading: false, url }),
      (error: unknown) => {
        if (controller.signal.aborted) return;
        setState((previous) => ({
          data: previous.url === url ? previous.data : undefined,
          error: error as Error,
          loading: false,
          url: previous.url === url ? url : null,
        }));
      },
    );
    return () => controller.abort();
  }, [url, version]);
  return state;
}
