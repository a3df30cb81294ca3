import type { Clock } from '@presence-tracker/core';

/** Zoom's rate-limit categories; each endpoint's reference page names its own ("Rate Limit Label"). */
export type Category = 'light' | 'medium' | 'heavy';

/** One category's limits: requests per second, and per day where the plan has a daily cap. */
export interface CategoryLimit {
  perSecond: number;
  perDay?: number;
}

export type Plan = 'free' | 'pro' | 'business';

/**
 * Zoom's documented limits of the main REST API by account plan (Business+ covers Business,
 * Education, Enterprise and Partner accounts). Only free accounts have daily caps on the categories
 * this provider uses; the daily cap of paid plans concerns Heavy and Resource-intensive calls, which
 * it never makes.
 */
export const PLAN_LIMITS: Record<Plan, Record<Category, CategoryLimit>> = {
  free: {
    light: { perSecond: 4, perDay: 6000 },
    medium: { perSecond: 2, perDay: 2000 },
    heavy: { perSecond: 1, perDay: 1000 },
  },
  pro: { light: { perSecond: 30 }, medium: { perSecond: 20 }, heavy: { perSecond: 10 } },
  business: { light: { perSecond: 80 }, medium: { perSecond: 60 }, heavy: { perSecond: 40 } },
};

/** The category of each endpoint this provider calls, as its reference page labels it. */
export const ENDPOINT_CATEGORY = {
  getUser: 'light',
  listUsers: 'medium',
  presenceStatus: 'medium',
} as const satisfies Record<string, Category>;

const DAY = 86_400_000;

/** The start of the next UTC day: Zoom's daily limits reset at 00:00 UTC. */
export function nextUtcMidnight(at: number): number {
  return Math.floor(at / DAY) * DAY + DAY;
}

/**
 * What a category may still spend today, counted on the clock, so a replayed day in a test spends
 * and resets exactly as a real one. A daily 429 from Zoom closes the day early (another app on the
 * account shares the cap).
 */
export class DailyAllowance {
  readonly #limit: number | undefined;
  readonly #clock: Clock;
  #day = -1;
  #used = 0;
  #closedUntil = 0;

  constructor(limit: number | undefined, clock: Clock) {
    this.#limit = limit;
    this.#clock = clock;
  }

  #roll(): number {
    const now = this.#clock.now().getTime();
    const day = Math.floor(now / DAY);
    if (day !== this.#day) {
      this.#day = day;
      this.#used = 0;
    }
    return now;
  }

  /** Requests left today; `Infinity` where the plan has no daily cap. */
  get remaining(): number {
    const now = this.#roll();
    if (now < this.#closedUntil) return 0;
    return this.#limit === undefined ? Number.POSITIVE_INFINITY : Math.max(0, this.#limit - this.#used);
  }

  /** When spending may start again, once nothing remains. */
  get resetsAt(): Date {
    const now = this.#roll();
    return new Date(Math.max(this.#closedUntil, nextUtcMidnight(now)));
  }

  spend(): void {
    this.#roll();
    this.#used += 1;
  }

  /** Zoom said the day's cap is reached: nothing more until `until`. */
  close(until: number): void {
    this.#closedUntil = Math.max(this.#closedUntil, until);
  }
}
