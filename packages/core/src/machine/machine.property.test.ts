import fc from 'fast-check';
import { expect, test } from 'vitest';
import { STATUSES, type Status } from '../model.ts';
import {
  type Effect,
  initialState,
  type MachineEvent,
  resolvePolicy,
  transition,
  type UserState,
} from './index.ts';

interface Span {
  userId: string;
  start: number;
  end: number;
  label: string;
}

const USERS = ['a', 'b', 'c'];

/** A random history: per user, strictly increasing sample times with random gaps and statuses. */
const history = fc
  .record({
    staleAfter: fc.integer({ min: 1, max: 20 }),
    mergeGap: fc.integer({ min: 0, max: 6 }),
    steps: fc.array(
      fc.record({
        user: fc.constantFrom(...USERS),
        gap: fc.integer({ min: 1, max: 25 }),
        status: fc.constantFrom<Status>(...STATUSES),
        // Some readings say how long they hold (validUntil), as a calendar's do; 0 says nothing.
        heldFor: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 60 })),
      }),
      { minLength: 1, maxLength: 80 },
    ),
    tail: fc.integer({ min: 0, max: 30 }),
    cuts: fc.array(fc.integer({ min: 0, max: 79 }), { maxLength: 20 }),
  })
  .map(({ staleAfter, mergeGap, steps, tail, cuts }) => {
    let time = 0;
    const samples = steps.map((s) => {
      time += s.gap;
      const sample = { userId: s.user, status: s.status, observedAt: new Date(time * 1000) };
      return s.heldFor > 0 ? { ...sample, validUntil: new Date((time + s.heldFor) * 1000) } : sample;
    });
    return {
      staleAfter: staleAfter * 1000,
      mergeGap: mergeGap * 1000,
      samples,
      stopAt: (time + tail) * 1000,
      cuts,
    };
  });

/** Feeds samples in polls split at `cuts`, ticking every user at the end of each poll, then stops. */
function replay(h: HistoryValue, cuts: number[]) {
  const policy = resolvePolicy({ staleAfter: h.staleAfter, mergeGap: h.mergeGap });
  const states = new Map<string, UserState>(USERS.map((u) => [u, initialState(u)]));
  const effects: Effect[] = [];
  const apply = (userId: string, event: MachineEvent) => {
    const r = transition(states.get(userId)!, event, policy);
    states.set(userId, r.state);
    effects.push(...r.effects);
  };
  const boundaries = new Set(cuts);
  h.samples.forEach((sample, i) => {
    apply(sample.userId, { type: 'sample', sample });
    const next = h.samples[i + 1];
    if (boundaries.has(i) && next) {
      // A poll ends somewhere between this sample and the next one.
      const tickAt = new Date((sample.observedAt.getTime() + next.observedAt.getTime()) / 2);
      for (const u of USERS) apply(u, { type: 'tick', at: tickAt });
    }
  });
  for (const u of USERS) apply(u, { type: 'stop', at: new Date(h.stopAt) });
  return materialise(effects);
}

type HistoryValue = {
  staleAfter: number;
  mergeGap: number;
  samples: { userId: string; status: Status; observedAt: Date }[];
  stopAt: number;
};

/** Turns effects into closed intervals and sessions, failing on anything left open or closed twice. */
function materialise(effects: Effect[]) {
  const openIntervals = new Map<string, { start: number; status: Status }>();
  const openSessions = new Map<string, number>();
  const intervals: Span[] = [];
  const sessions: Span[] = [];
  for (const e of effects) {
    if (e.type === 'interval.open') {
      expect(openIntervals.has(e.userId)).toBe(false);
      openIntervals.set(e.userId, { start: e.startedAt.getTime(), status: e.status });
    } else if (e.type === 'interval.close') {
      const o = openIntervals.get(e.userId)!;
      expect(o).toBeDefined();
      intervals.push({ userId: e.userId, start: o.start, end: e.endedAt.getTime(), label: o.status });
      openIntervals.delete(e.userId);
    } else if (e.type === 'session.open') {
      expect(openSessions.has(e.userId)).toBe(false);
      openSessions.set(e.userId, e.startedAt.getTime());
    } else if (e.type === 'session.close') {
      const start = openSessions.get(e.userId)!;
      expect(start).toBe(e.startedAt.getTime());
      sessions.push({ userId: e.userId, start, end: e.endedAt.getTime(), label: e.reason });
      openSessions.delete(e.userId);
    }
  }
  expect(openIntervals.size).toBe(0);
  expect(openSessions.size).toBe(0);
  return { intervals, sessions };
}

/**
 * Observed time computed straight from the definition, without the machine: a reading confirms the
 * user until its sighting, or until its `validUntil` when later, and staleAfter counts from there.
 */
function observedSegments(h: HistoryValue, userId: string): [number, number][] {
  const readings = h.samples
    .filter((s) => s.userId === userId)
    .map((s) => {
      const t = s.observedAt.getTime();
      return { t, until: Math.max(t, (s as { validUntil?: Date }).validUntil?.getTime() ?? t) };
    });
  const segments: [number, number][] = [];
  let start: number | null = null;
  let last = 0;
  for (const { t, until } of readings) {
    if (start !== null && t - last > h.staleAfter) {
      segments.push([start, last]);
      start = null;
    }
    start ??= t;
    last = until;
  }
  if (start !== null) segments.push([start, h.stopAt - last > h.staleAfter ? last : h.stopAt]);
  return segments;
}

const byUser = (spans: Span[], userId: string) =>
  spans.filter((s) => s.userId === userId).sort((a, b) => a.start - b.start || a.end - b.end);

const property = (name: string, check: (h: HistoryValue & { cuts: number[] }) => void) =>
  test(name, () => {
    fc.assert(fc.property(history, check), { numRuns: 400 });
  });

property("a user's sessions never overlap", (h) => {
  const { sessions } = replay(h, h.cuts);
  for (const u of USERS) {
    const list = byUser(sessions, u);
    for (let i = 1; i < list.length; i++) expect(list[i]!.start).toBeGreaterThanOrEqual(list[i - 1]!.end);
    for (const s of list) expect(s.end).toBeGreaterThanOrEqual(s.start);
  }
});

property("a user's intervals exactly tile the observed time", (h) => {
  const { intervals } = replay(h, h.cuts);
  for (const u of USERS) {
    // Join intervals that touch; zero-length ones (a sighting that went stale at once) stand alone.
    const merged: [number, number][] = [];
    for (const i of byUser(intervals, u)) {
      const last = merged.at(-1);
      if (last && i.start < last[1]) throw new Error(`intervals overlap for ${u}`);
      if (last && i.start === last[1] && i.start !== i.end) last[1] = i.end;
      else merged.push([i.start, i.end]);
    }
    const expected = observedSegments(h, u);
    const nonEmpty = (list: [number, number][]) => list.filter(([a, b]) => b > a);
    expect(nonEmpty(merged)).toEqual(nonEmpty(expected));
  }
});

property('the sum of interval durations equals the observed time', (h) => {
  const { intervals } = replay(h, h.cuts);
  for (const u of USERS) {
    const total = byUser(intervals, u).reduce((sum, i) => sum + (i.end - i.start), 0);
    const observed = observedSegments(h, u).reduce((sum, [a, b]) => sum + (b - a), 0);
    expect(total).toBe(observed);
  }
});

property('the result does not depend on how the stream is split into polls', (h) => {
  const sortSpans = (spans: Span[]) =>
    [...spans].sort((a, b) => a.userId.localeCompare(b.userId) || a.start - b.start || a.end - b.end);
  const asOnePoll = replay(h, []);
  const everySample = replay(
    h,
    h.samples.map((_, i) => i),
  );
  const split = replay(h, h.cuts);
  for (const other of [everySample, split]) {
    expect(sortSpans(other.intervals)).toEqual(sortSpans(asOnePoll.intervals));
    expect(sortSpans(other.sessions)).toEqual(sortSpans(asOnePoll.sessions));
  }
});

property('with no merge gap, sessions are exactly the present stretches of the intervals', (h) => {
  const noMerge = { ...h, mergeGap: 0 };
  const { intervals, sessions } = replay(noMerge, h.cuts);
  const present = new Set<Status>(['available', 'busy', 'dnd', 'away']);
  for (const u of USERS) {
    const stretches: [number, number][] = [];
    for (const i of byUser(intervals, u)) {
      if (!present.has(i.label as Status)) continue;
      const last = stretches.at(-1);
      if (last && last[1] === i.start) last[1] = i.end;
      else stretches.push([i.start, i.end]);
    }
    expect(byUser(sessions, u).map((s) => [s.start, s.end])).toEqual(stretches);
  }
});
