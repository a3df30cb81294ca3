import { describe, expect, it } from 'vitest';
import { isHttpsOrLoopback } from './push-address.ts';

describe('isHttpsOrLoopback', () => {
  it('allows https anywhere and http only on loopback', () => {
    expect(isHttpsOrLoopback('https://tracker.example.com/push')).toBe(true);
    expect(isHttpsOrLoopback('http://127.0.0.1:8080/push')).toBe(true);
    expect(isHttpsOrLoopback(new URL('http://[::1]/push'))).toBe(true);
    expect(isHttpsOrLoopback('http://localhost/push')).toBe(true);
    expect(isHttpsOrLoopback('http://tracker.example.com/push')).toBe(false);
    expect(isHttpsOrLoopback('http://127.0.0.1.example.com/push')).toBe(false);
    expect(isHttpsOrLoopback('ftp://127.0.0.1/push')).toBe(false);
    expect(isHttpsOrLoopback('not a url')).toBe(false);
  });
});
