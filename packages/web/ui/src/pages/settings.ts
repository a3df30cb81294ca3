import type { Route } from '../router.ts';
import { browserTimeZone, dayOf, isDay, isTimeZone } from '../time/zone.ts';

/** The zone every page shows times in: the URL's `zone`, else the browser's. */
export function zoneOf(route: Route): string {
  const zone = route.params.get('zone');
  return zone && isTimeZone(zone) ? zone : browserTimeZone();
}

/** The URL's day named `name`, else today in `zone`. */
export function dayParam(
  route: Route,
  name: string,
  zone: string,
  fallback = dayOf(new Date(), zone),
): string {
  const day = route.params.get(name);
  return isDay(day) ? day : fallback;
}
