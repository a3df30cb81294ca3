import { expect, test } from 'vitest';
import { RequestBudget } from './budget.ts';

test('lets `requests` start at once, then waits for the window to slide', async () => {
  const budget = new RequestBudget(2, 200);
  const started = Date.now();
  const times: number[] = [];
  await Promise.all([0, 1, 2].map(() => budget.acquire().then(() => times.push(Date.now() - started))));
  times.sort((a, b) => a - b);
  expect(times[1]!).toBeLessThan(150);
  expect(times[2]!).toBeGreaterThanOrEqual(190);
});

test('a hold pauses every request until it ends', async () => {
  const budget = new RequestBudget(100, 1000);
  budget.hold(150);
  const started = Date.now();
  await budget.acquire();
  expect(Date.now() - started).toBeGreaterThanOrEqual(140);
});
