/** Where the tracker takes "now" from; a fake one replays a whole day in moments. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** A clock that only moves when told to, for replaying days in tests, demos and benchmarks. */
export function manualClock(start: Date | number | string): Clock & {
  set(at: Date | number | string): void;
  advance(ms: number): Date;
} {
  let current = new Date(start).getTime();
  return {
    now: () => new Date(current),
    set(at) {
      current = new Date(at).getTime();
    },
    advance(ms) {
      current += ms;
      return new Date(current);
    },
  };
}
