import { describe, expect, test } from 'vitest';
import { droppedConnection } from './middleware.ts';

describe('droppedConnection', () => {
  test("finds the socket error undici puts behind fetch's TypeError", () => {
    const socket = Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' });
    expect(droppedConnection(new TypeError('fetch failed', { cause: socket }))).toBe('UND_ERR_SOCKET');
    const reset = Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
    expect(
      droppedConnection(new Error('outer', { cause: new TypeError('fetch failed', { cause: reset }) })),
    ).toBe('ECONNRESET');
  });

  test('a timeout, a refused connection or any other failure is not a dropped connection', () => {
    expect(
      droppedConnection(new DOMException('The operation was aborted due to timeout', 'TimeoutError')),
    ).toBe(undefined);
    const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    expect(droppedConnection(new TypeError('fetch failed', { cause: refused }))).toBe(undefined);
    expect(droppedConnection('a string')).toBe(undefined);
  });
});
