import { describe, expect, it } from 'vitest';
import { isLoopbackAddress, isLoopbackHost } from './loopback.ts';

describe('isLoopbackHost', () => {
  it('reads host names as URL gives them', () => {
    const name = (host: string) => new URL(`http://${host}/`).hostname;
    for (const host of [
      'localhost',
      '127.0.0.1',
      '127.1',
      '127.255.0.9',
      '[::1]',
      '[0:0::1]',
      '[::ffff:127.0.0.1]',
    ])
      expect(isLoopbackHost(name(host)), host).toBe(true);
    for (const host of [
      'evil.example.com',
      '128.0.0.1',
      '[::2]',
      '[::ffff:10.0.0.1]',
      'localhost.example',
      '0.0.0.0',
    ])
      expect(isLoopbackHost(name(host)), host).toBe(false);
  });
});

describe('isLoopbackAddress', () => {
  it('takes the addresses a server is told to listen on, IPv6 with or without brackets', () => {
    for (const address of ['127.0.0.1', '127.0.0.2', 'LOCALHOST', '::1', '[::1]', '::ffff:127.0.0.1'])
      expect(isLoopbackAddress(address), address).toBe(true);
    for (const address of [
      '0.0.0.0',
      '::',
      '[::]',
      '192.168.1.4',
      'example.com',
      '::ffff:10.0.0.1',
      '',
      'a b',
      'x@localhost',
      '127.0.0.1/x',
      '127.0.0.1#x',
      '127.0.0.1?x',
      'localhost\\x',
    ])
      expect(isLoopbackAddress(address), address).toBe(false);
  });
});
