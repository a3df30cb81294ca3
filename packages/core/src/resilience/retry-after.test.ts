import { describe, expect, it } from 'vitest';
import { parseRetryAfter } from './index.ts';

describe('parseRetryAfter', () => {
  it.each([
    ['3', 3000],
    ['0', 0],
    ['1.5', 1500],
    ['-4', 0],
    [' 7 ', 7000],
    ['99999999', 24 * 3600_000],
  ])('reads %j seconds as %i ms', (header, ms) => {
    expect(parseRetryAfter(header)).toBe(ms);
  });

  it('reads an HTTP date relative to the given now, and a past date as no wait', () => {
    const now = Date.parse('Wed, 21 Oct 2015 07:27:00 GMT');
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:28:00 GMT', now)).toBe(60_000);
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:26:00 GMT', now)).toBe(0);
  });

  it.each([null, undefined, '', '  ', 'soon'])('gives undefined for %j', (header) => {
    expect(parseRetryAfter(header)).toBeUndefined();
  });
});
