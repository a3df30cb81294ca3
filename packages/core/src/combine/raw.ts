import { isStatus, type RawPresence, type Status } from '../model.ts';
import type { PlatformReading } from './merge.ts';

/** One platform's reading as a combined sample keeps it in `raw.platforms`: plain JSON. */
export interface PlatformRaw {
  status: Status;
  /** ISO 8601. */
  observedAt: string;
  /** ISO 8601, when the platform said how long the reading holds. */
  validUntil?: string;
  /** The platform's own words. */
  raw?: RawPresence;
  /** The status is one `ignore` leaves out of the merge for this platform. */
  ignored?: true;
}

/** The `raw` of a combined sample: every platform's current reading, by platform name. */
export interface CombinedRaw {
  platforms: Record<string, PlatformRaw>;
}

/** The platforms' readings kept in a combined sample's `raw`, or none when it is not one. */
export function combinedRaw(raw: RawPresence | undefined): CombinedRaw | undefined {
  const platforms = raw?.platforms;
  if (platforms === null || typeof platforms !== 'object' || Array.isArray(platforms)) return undefined;
  return raw as unknown as CombinedRaw;
}

/** The readings of a map or a combined raw, as the merge rule sees them; malformed entries are left out. */
export function readingsOf(readings: ReadonlyMap<string, PlatformRaw> | undefined): PlatformReading[] {
  if (!readings) return [];
  const out: PlatformReading[] = [];
  for (const [platform, r] of readings) {
    const observedAt = new Date(r?.observedAt);
    if (!isStatus(r?.status) || Number.isNaN(observedAt.getTime())) continue;
    const validUntil = r.validUntil === undefined ? undefined : new Date(r.validUntil);
    out.push({
      platform,
      status: r.status,
      observedAt,
      ...(validUntil && !Number.isNaN(validUntil.getTime()) && { validUntil }),
      ...(r.raw && { raw: r.raw }),
    });
  }
  return out;
}
