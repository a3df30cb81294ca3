import { concurrencyLimit } from '@presence-tracker/core/resilience';

export function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** `fn` over `items` with at most `limit` in flight; results in input order; the first failure rejects. */
export function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const run = concurrencyLimit(limit);
  return Promise.all(items.map((item) => run(() => fn(item))));
}

/** Every page of a paged list, `perPage` at a time, until a short page. */
export async function allPages<T>(perPage: number, fetchPage: (page: number) => Promise<T[]>): Promise<T[]> {
  const all: T[] = [];
  for (let page = 0; ; page++) {
    const items = await fetchPage(page);
    all.push(...items);
    if (items.length < perPage) return all;
  }
}
