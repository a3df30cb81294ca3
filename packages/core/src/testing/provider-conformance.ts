import assert from 'node:assert/strict';
import { isStatus } from '../model.ts';
import type { PresenceProvider } from '../provider/index.ts';
import type { TestFunction } from './store-conformance.ts';

export interface ProviderConformanceOptions {
  /** Keys the provider resolves (at least two). */
  knownKeys: string[];
  /** Keys it cannot resolve. */
  unknownKeys: string[];
  /** Prefix for test names. Default: `provider conformance`. */
  prefix?: string;
}

/**
 * The contract every provider meets, registered as tests on `test`; each test gets a fresh provider
 * from `makeProvider` and closes it.
 */
export function providerConformance(
  test: TestFunction,
  makeProvider: () => PresenceProvider | Promise<PresenceProvider>,
  options: ProviderConformanceOptions,
): void {
  const prefix = options.prefix ?? 'provider conformance';
  const check = (title: string, body: (provider: PresenceProvider) => Promise<void>) =>
    test(`${prefix} > ${title}`, async () => {
      const provider = await makeProvider();
      try {
        await body(provider);
      } finally {
        await provider.close?.();
      }
    });

  check('has a name', async (provider) => {
    assert.equal(typeof provider.name, 'string');
    assert.ok(provider.name.length > 0);
  });

  check('resolves known keys and reports unknown ones without throwing', async (provider) => {
    const keys = [...options.knownKeys, ...options.unknownKeys];
    const { resolved, unresolved } = await provider.resolveUsers(keys);
    assert.deepEqual(resolved.map((u) => u.key).sort(), [...options.knownKeys].sort());
    for (const u of resolved) {
      assert.equal(typeof u.id, 'string');
      assert.ok(u.id.length > 0, 'a resolved user has an id');
    }
    assert.equal(
      new Set(resolved.map((u) => u.id)).size,
      resolved.length,
      'distinct keys resolve to distinct ids',
    );
    assert.deepEqual(unresolved.map((u) => u.key).sort(), [...options.unknownKeys].sort());
    for (const u of unresolved) assert.ok(u.reason.length > 0, 'an unresolved key comes with a reason');
  });

  check('resolves nothing from no keys', async (provider) => {
    assert.deepEqual(await provider.resolveUsers([]), { resolved: [], unresolved: [] });
  });

  check('reads presence for resolved users', async (provider) => {
    const { resolved } = await provider.resolveUsers(options.knownKeys);
    const ids = resolved.map((u) => u.id);
    const samples = await provider.getPresence(ids);
    assert.deepEqual([...new Set(samples.map((s) => s.userId))].sort(), [...ids].sort());
    for (const s of samples) {
      assert.ok(isStatus(s.status), `status ${String(s.status)} is one of the core statuses`);
      assert.ok(
        s.observedAt instanceof Date && !Number.isNaN(s.observedAt.getTime()),
        'observedAt is a valid Date',
      );
      if (s.raw !== undefined) assert.equal(typeof s.raw, 'object');
      if (s.source !== undefined) assert.ok(s.source === 'poll' || s.source === 'push');
    }
  });

  check('reads nothing for no users', async (provider) => {
    assert.deepEqual(await provider.getPresence([]), []);
  });

  check('discovered users, where offered, can be read', async (provider) => {
    if (!provider.discoverUsers) return;
    const users = await provider.discoverUsers();
    assert.ok(users.length > 0, 'discovers at least one user');
    const samples = await provider.getPresence(users.slice(0, 5).map((u) => u.id));
    assert.ok(samples.length > 0);
  });
}
