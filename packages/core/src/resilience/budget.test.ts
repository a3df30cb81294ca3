import { describe, expect, it } from 'vitest';
import { manualClock } from '../clock.ts';
import { advancingSleep, concurrencyLimit, RequestBudget } from './index.ts';

const START = Date.parse('2026-03-02T09:00:00Z');

function setup(requests: number, perMs: number) {
  const clock = manualClock(START);
  const sleep = advancingSleep(clock);
  const budget = new RequestBudget({ requests, perMs, clock, sleep });
  const at = () => clock.now().getTime() - START;
  return { clock, sleep, budget, at };
}

describe('RequestBudget', () => {
  it('starts at most `requests` in any window', async () => {
    const { budget, at } = setup(3, 1000);
    const starts: number[] = [];
    for (let i = 0; i < 7; i++) {
      await budget.acquire();
      starts.push(at());
    }
    expect(starts).toEqual([0, 0, 0, 1000, 1000, 1000, 2000]);
  });

  it('serves waiters in the order they asked, each counted once', async () => {
    const { budget, at } = setup(2, 1000);
    const order: number[] = [];
    await Promise.all(Array.from({ length: 5 }, (_, i) => budget.acquire().then(() => order.push(i))));
    expect(order).toEqual([0, 1, 2, 3, 4]);
    // Five starts with two a window need two full windows of waiting, no more, no less.
    expect(at()).toBe(2000);
  });

  it('slides: a slot comes back exactly one window after it was used', async () => {
    const { budget, clock, at } = setup(2, 1000);
    await budget.acquire();
    clock.advance(600);
    await budget.acquire();
    await budget.acquire();
    expect(at()).toBe(1000);
    await budget.acquire();
    expect(at()).toBe(1600);
  });

  it('take counts a slot from its release, and as taken until then', async () => {
    const { budget, clock, at } = setup(2, 1000);
    const first = await budget.take();
    await budget.take();
    // Both slots are out: the third waits for a release, then for that release's window to pass.
    let third = false;
    const waiting = budget.take().then(() => {
      third = true;
    });
    clock.advance(300);
    await Promise.resolve();
    expect(third).toBe(false);
    first();
    first();
    await waiting;
    expect(at()).toBe(1300);
  });

  it('take and acquire share one window', async () => {
    const { budget, at } = setup(2, 1000);
    await budget.acquire();
    const release = await budget.take();
    release();
    await budget.acquire();
    // The acquire at 0 left the window at 1000; the released take holds its slot until then too.
    expect(at()).toBe(1000);
  });

  it('a take waiting for a release lets go when its signal aborts', async () => {
    const { budget } = setup(1, 1000);
    const release = await budget.take();
    const controller = new AbortController();
    const waiting = budget.take(controller.signal);
    controller.abort(new Error('closed'));
    await expect(waiting).rejects.toThrow('closed');
    release();
    await budget.take();
  });

  it('holds every request while the server asked to wait, keeping the longer hold', async () => {
    const { budget, at } = setup(100, 1000);
    budget.hold(5000);
    budget.hold(2000);
    await budget.acquire();
    expect(at()).toBe(5000);
  });

  it('lets a waiter go when its signal aborts, and serves the others', async () => {
    const { budget, at } = setup(1, 1000);
    await budget.acquire();
    const controller = new AbortController();
    controller.abort(new Error('closed'));
    await expect(budget.acquire(controller.signal)).rejects.toThrow('closed');
    await budget.acquire();
    expect(at()).toBe(1000);
  });

  it('refuses a budget that could never let a request through', () => {
    expect(() => new RequestBudget({ requests: 0, perMs: 1000 })).toThrow(/requests/);
    expect(() => new RequestBudget({ requests: 1, perMs: 0 })).toThrow(/perMs/);
  });
});

describe('concurrencyLimit', () => {
  it('runs at most `concurrency` tasks at once, the rest in order', async () => {
    const limit = concurrencyLimit(2);
    let running = 0;
    let most = 0;
    const order: number[] = [];
    const gates = Array.from({ length: 5 }, () => Promise.withResolvers<void>());
    const tasks = gates.map((gate, i) =>
      limit(async () => {
        running++;
        most = Math.max(most, running);
        order.push(i);
        await gate.promise;
        running--;
        return i;
      }),
    );
    await new Promise((r) => setImmediate(r));
    expect(limit.active).toBe(2);
    expect(limit.waiting).toBe(3);
    for (const gate of gates) gate.resolve();
    await expect(Promise.all(tasks)).resolves.toEqual([0, 1, 2, 3, 4]);
    expect(most).toBe(2);
    expect(order).toEqual([0, 1, 2, 3, 4]);
  });
});
