import { describe, expect, it } from 'vitest';
import { checkRetryOptions, type RetryOptions } from './index.ts';

const defaults: RetryOptions = { attempts: 5, baseDelay: 1000, maxDelay: 30_000 };

describe('checkRetryOptions', () => {
  it('fills what is missing from the defaults', () => {
    expect(checkRetryOptions(undefined, defaults)).toEqual({ value: defaults, issues: [] });
    expect(checkRetryOptions({ attempts: 1 }, defaults)).toEqual({
      value: { attempts: 1, baseDelay: 1000, maxDelay: 30_000 },
      issues: [],
    });
  });

  it('refuses an unknown field by its path, so a misspelling is not silently ignored', () => {
    const { issues } = checkRetryOptions({ retries: 1 }, defaults);
    expect(issues).toEqual([
      { path: 'retry.retries', message: 'unknown field; expected one of attempts, baseDelay, maxDelay' },
    ]);
  });

  it.each([
    [{ attempts: 0 }, 'retry.attempts', /whole number of attempts, 1 or more/],
    [{ attempts: 1.5 }, 'retry.attempts', /whole number of attempts/],
    [{ attempts: '3' }, 'retry.attempts', /whole number of attempts/],
    [{ baseDelay: -1 }, 'retry.baseDelay', /baseDelay in milliseconds, 0 or more/],
    [{ maxDelay: Number.POSITIVE_INFINITY }, 'retry.maxDelay', /maxDelay in milliseconds/],
    [{ baseDelay: 500, maxDelay: 100 }, 'retry.maxDelay', /at least baseDelay/],
  ])('refuses %j at %s', (input, path, message) => {
    const { issues } = checkRetryOptions(input, defaults);
    expect(issues).toHaveLength(1);
    expect(issues[0]!.path).toBe(path);
    expect(issues[0]!.message).toMatch(message);
  });

  it('refuses what is not an object, under the path it is given', () => {
    expect(checkRetryOptions(3, defaults, 'provider.retry').issues[0]!.path).toBe('provider.retry');
  });
});
