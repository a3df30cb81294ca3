import { manualClock } from '@presence-tracker/core';
import { advancingSleep } from '@presence-tracker/core/resilience';
import { describe, expect, test } from 'vitest';
import { observe, requestBudget, serverWait } from './rate-limit.ts';

const headers = (entries: Record<string, string>) => new Map(Object.entries(entries));
const NOW = Date.UTC(2026, 2, 2, 9);

describe('serverWait', () => {
  test('takes Retry-After in seconds or as an HTTP date', () => {
    expect(serverWait(headers({ 'Retry-After': '3' }), NOW)).toBe(3000);
    expect(serverWait(headers({ 'Retry-After': new Date(NOW + 7000).toUTCString() }), NOW)).toBe(7000);
  });

  test('falls back to X-RateLimit-Reset, as seconds from now or as an epoch, in any letter case', () => {
    expect(serverWait(headers({ 'X-Ratelimit-Reset': '2' }), NOW)).toBe(2000);
    expect(serverWait(headers({ 'x-ratelimit-reset': String(NOW / 1000 + 4) }), NOW)).toBe(4000);
  });

  test('is undefined when the server says nothing, so the retry policy backs off', () => {
    expect(serverWait(headers({}), NOW)).toBeUndefined();
    expect(serverWait(headers({ 'Retry-After': 'soon', 'X-RateLimit-Reset': '' }), NOW)).toBeUndefined();
  });
});

describe('the request budget, on the clock seam', () => {
  const setup = (requestsPerSecond?: number) => {
    const clock = manualClock(NOW);
    const sleep = advancingSleep(clock);
    const budget = requestBudget(requestsPerSecond, { clock, sleep });
    return { budget, clock, at: () => clock.now().getTime() - NOW };
  };

  test('spaces requests out to requestsPerSecond', async () => {
    const { budget, at } = setup(20);
    const starts: number[] = [];
    for (let i = 0; i < 5; i++) {
      await budget.acquire();
      starts.push(at());
    }
    expect(starts).toEqual([0, 50, 100, 150, 200]);
  });

  test('without a limit, starts at once, and a hold holds back every request', async () => {
    const { budget, at } = setup();
    await Promise.all(Array.from({ length: 50 }, () => budget.acquire()));
    expect(at()).toBe(0);
    budget.hold(150);
    await budget.acquire();
    expect(at()).toBe(150);
  });

  test('a spent budget reported by the server holds until its reset', async () => {
    const { budget, clock, at } = setup();
    observe(
      budget,
      headers({ 'X-Ratelimit-Remaining': '5', 'X-Ratelimit-Reset': '1' }),
      clock.now().getTime(),
    );
    await budget.acquire();
    expect(at()).toBe(0);
    observe(
      budget,
      headers({ 'X-Ratelimit-Remaining': '0', 'X-Ratelimit-Reset': '0.2' }),
      clock.now().getTime(),
    );
    await budget.acquire();
    expect(at()).toBe(200);
  });
});
