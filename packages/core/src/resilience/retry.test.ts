import { describe, expect, it } from 'vitest';
import { manualClock } from '../clock.ts';
import { advancingSleep, parseRetryAfter, type RetryInfo, retryPolicy } from './index.ts';

const START = '2026-03-02T09:00:00Z';

function seams() {
  const clock = manualClock(START);
  return { clock, sleep: advancingSleep(clock) };
}

/** A task that fails with the given outcomes in turn, then succeeds. */
function flaky(outcomes: Array<number | Error>) {
  let calls = 0;
  const run = async () => {
    const next = outcomes[calls++];
    if (next instanceof Error) throw next;
    return next ?? 200;
  };
  return Object.assign(run, { calls: () => calls });
}

describe('retryPolicy', () => {
  it('backs off from baseDelay, doubling to maxDelay, each wait between half and all of it', async () => {
    const { clock, sleep } = seams();
    const policy = retryPolicy<number>({
      attempts: 6,
      baseDelay: 100,
      maxDelay: 500,
      clock,
      sleep,
      retryOn: (o) => 'value' in o && o.value === 503,
    });
    const task = flaky([503, 503, 503, 503, 503]);
    await expect(policy.execute(task)).resolves.toBe(200);
    expect(task.calls()).toBe(6);
    const caps = [100, 200, 400, 500, 500];
    expect(sleep.waits).toHaveLength(5);
    sleep.waits.forEach((w, i) => {
      expect(w).toBeGreaterThanOrEqual(caps[i]! / 2);
      expect(w).toBeLessThanOrEqual(caps[i]!);
    });
    // The whole back-off ran on the manual clock.
    expect(clock.now().getTime() - Date.parse(START)).toBe(sleep.waits.reduce((a, b) => a + b, 0));
  });

  it('stops after `attempts` and returns the last retryable value as it is', async () => {
    const { clock, sleep } = seams();
    const task = flaky([429, 429, 429, 429]);
    const policy = retryPolicy<number>({
      attempts: 3,
      baseDelay: 10,
      maxDelay: 10,
      clock,
      sleep,
      retryOn: (o) => 'value' in o && o.value === 429,
    });
    await expect(policy.execute(task)).resolves.toBe(429);
    expect(task.calls()).toBe(3);
  });

  it('with attempts 1 never retries', async () => {
    const { clock, sleep } = seams();
    const task = flaky([new Error('down')]);
    const policy = retryPolicy<number>({
      attempts: 1,
      baseDelay: 10,
      maxDelay: 10,
      clock,
      sleep,
      retryOn: () => true,
    });
    await expect(policy.execute(task)).rejects.toThrow('down');
    expect(task.calls()).toBe(1);
    expect(sleep.waits).toEqual([]);
  });

  it('throws an error it does not retry at once, and the last retryable error after the attempts', async () => {
    const { clock, sleep } = seams();
    const fatal = flaky([new TypeError('bad request')]);
    const policy = retryPolicy<number>({
      attempts: 3,
      baseDelay: 10,
      maxDelay: 10,
      clock,
      sleep,
      retryOn: (o) => 'error' in o && !(o.error instanceof TypeError),
    });
    await expect(policy.execute(fatal)).rejects.toThrow(TypeError);
    expect(fatal.calls()).toBe(1);
    const down = flaky([new Error('one'), new Error('two'), new Error('three')]);
    await expect(policy.execute(down)).rejects.toThrow('three');
    expect(down.calls()).toBe(3);
  });

  it('waits what the other side asked, read against the clock seam, even beyond maxDelay', async () => {
    const { clock, sleep } = seams();
    const asked = [
      'Mon, 02 Mar 2026 09:02:00 GMT', // two minutes after the manual clock's start
      '5',
    ];
    const heard: RetryInfo<number>[] = [];
    const policy = retryPolicy<number>({
      attempts: 4,
      baseDelay: 100,
      maxDelay: 1000,
      clock,
      sleep,
      retryOn: (o) => 'value' in o && o.value === 429,
      requestedWait: (_o, now) => parseRetryAfter(asked.shift(), now),
      onRetry: (info) => {
        heard.push(info);
      },
    });
    await expect(policy.execute(flaky([429, 429, 429]))).resolves.toBe(200);
    expect(sleep.waits.slice(0, 2)).toEqual([120_000, 5000]);
    expect(sleep.waits[2]).toBeLessThanOrEqual(400);
    expect(heard.map((h) => [h.attempt, h.requested])).toEqual([
      [2, true],
      [3, true],
      [4, false],
    ]);
    expect(heard[0]!.outcome).toEqual({ value: 429 });
  });

  it('stops waiting when the signal aborts, with its reason', async () => {
    const controller = new AbortController();
    const { clock, sleep } = seams();
    const policy = retryPolicy<number>({
      attempts: 5,
      baseDelay: 10,
      maxDelay: 10,
      clock,
      sleep,
      retryOn: () => true,
      onRetry: () => controller.abort(new Error('stopping')),
    });
    const task = flaky([500, 500, 500]);
    await expect(policy.execute(task, controller.signal)).rejects.toThrow('stopping');
    expect(task.calls()).toBe(1);
  });

  it('keeps the state of concurrent executions apart', async () => {
    const { clock, sleep } = seams();
    const policy = retryPolicy<number>({
      attempts: 3,
      baseDelay: 0,
      maxDelay: 0,
      clock,
      sleep,
      retryOn: (o) => 'value' in o && o.value >= 500,
    });
    const a = flaky([500, 201]);
    const b = flaky([502, 503, 202]);
    await expect(Promise.all([policy.execute(a), policy.execute(b)])).resolves.toEqual([201, 202]);
    expect([a.calls(), b.calls()]).toEqual([2, 3]);
  });
});
