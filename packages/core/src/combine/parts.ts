import { DEFAULT_POLICY } from '../machine/policy.ts';
import type { Interval, PresenceSample } from '../model.ts';
import type { TimelinePart } from '../timeline/render.ts';
import { combinedRaw } from './raw.ts';

export interface PlatformIntervalsOptions {
  /** How long a platform's reading counted, as given to `combineProviders`. Default: 180,000. */
  staleAfter?: number | Readonly<Record<string, number>>;
  /** Where a reading still counting ends. Default: the current time. */
  now?: Date;
}

/**
 * Each platform's own intervals, folded from combined samples (`store.samples(...)` of a tracker on
 * `combineProviders`): a status holds from the reading that first showed it to the one that first
 * showed another, and ends at its last reading when no reading followed within `staleAfter`, as the
 * tracker accounts a person. Samples that are not combined are ignored. Ordered by person, then
 * platform in the order first seen: `renderTimeline`'s `parts`.
 */
export function platformIntervals(
  samples: readonly PresenceSample[],
  options: PlatformIntervalsOptions = {},
): (TimelinePart & { intervals: Interval[] })[] {
  const staleAfter = (platform: string) =>
    typeof options.staleAfter === 'number'
      ? options.staleAfter
      : (options.staleAfter?.[platform] ?? DEFAULT_POLICY.staleAfter);
  const now = (options.now ?? new Date()).getTime();
  type Reading = { at: number; status: Interval['status']; until: number; raw?: Interval['raw'] };
  const byPart = new Map<string, { userId: string; platform: string; readings: Map<number, Reading> }>();
  for (const sample of samples) {
    const raw = combinedRaw(sample.raw);
    if (!raw) continue;
    for (const [platform, r] of Object.entries(raw.platforms)) {
      const at = Date.parse(r.observedAt);
      if (Number.isNaN(at)) continue;
      const key = `${sample.userId}\u0000${platform}`;
      const part = byPart.get(key) ?? { userId: sample.userId, platform, readings: new Map() };
      byPart.set(key, part);
      const validUntil = r.validUntil === undefined ? Number.NaN : Date.parse(r.validUntil);
      part.readings.set(at, {
        at,
        status: r.status,
        until: Math.max(at + staleAfter(platform), Number.isNaN(validUntil) ? 0 : validUntil),
        ...(r.raw && { raw: r.raw }),
      });
    }
  }
  const parts = [...byPart.values()].map(({ userId, platform, readings }) => {
    const intervals: Interval[] = [];
    let open: Interval | undefined;
    let last: Reading | undefined;
    for (const r of [...readings.values()].sort((a, b) => a.at - b.at)) {
      if (open && last && r.at > last.until) {
        open.endedAt = new Date(last.at);
        open = undefined;
      }
      if (open?.status === r.status) {
        last = r;
        continue;
      }
      if (open) open.endedAt = new Date(r.at);
      open = {
        userId,
        status: r.status,
        startedAt: new Date(r.at),
        endedAt: null,
        ...(r.raw && { raw: r.raw }),
      };
      intervals.push(open);
      last = r;
    }
    if (open && last && now > last.until) open.endedAt = new Date(last.at);
    return { userId, label: platform, intervals };
  });
  // Stable: people by id, their platforms in the order first seen.
  return parts.sort((a, b) => (a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : 0));
}
