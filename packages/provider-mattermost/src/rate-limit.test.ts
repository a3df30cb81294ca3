import { describe, expect, test } from 'vitest';
import { RequestBudget, retryDelay } from './rate-limit.ts';

const headers = (entries: Record<string, string>) => new Map(Object.entries(entries));
const NOW = Date.UTC(2026, 2, 2, 9);

describe('retryDelay', () => {
  test('takes Retry-After in seconds or as an HTTP date', () => {
    expect(retryDelay(headers({ 'Retry-After': '3' }), 0, NOW)).toBe(3000);
    expect(retryDelay(headers({ 'Retry-After': new Date(NOW + 7000).toUTCString() }), 0, NOW)).toBe(7000);
  });

  test('falls back to X-RateLimit-Reset, as seconds from now or as an epoch, in any letter case', () => {
    expect(retryDelay(headers({ 'X-Ratelimit-Reset': '2' }), 0, NOW)).toBe(2000);
    expect(retryDelay(headers({ 'x-ratelimit-reset': String(NOW / 1000 + 4) }), 0, NOW)).toBe(4000);
  });

  test('backs off exponentially from one second when the server says nothing', () => {
    expect([0, 1, 2, 10].map((attempt) => retryDelay(headers({}), attempt, NOW))).toEqual([
      1000, 2000, 4000, 30_000,
    ]);
  });
});

describe('RequestBudget', () => {
  test('spaces requests out to requestsPerSecond', async () => {
    const budget = new RequestBudget(20);
    const started = Date.now();
    for (let i = 0; i < 5; i++) await budget.take();
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
  });

  test('a pause holds back requests already waiting their turn', async () => {
    const budget = new RequestBudget();
    const started = Date.now();
    const waiting = budget.take();
    budget.pause(150);
    await waiting;
    await budget.take();
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
  });

  test('a spent budget reported by the server pauses until its reset', async () => {
    const budget = new RequestBudget();
    budget.observe(headers({ 'X-Ratelimit-Remaining': '5', 'X-Ratelimit-Reset': '1' }));
    let started = Date.now();
    await budget.take();
    expect(Date.now() - started).toBeLessThan(100);
    budget.observe(headers({ 'X-Ratelimit-Remaining': '0', 'X-Ratelimit-Reset': '0.2' }));
    started = Date.now();
    await budget.take();
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
  });
});
