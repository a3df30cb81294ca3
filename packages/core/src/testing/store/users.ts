import assert from 'node:assert/strict';
import { testUser } from './fixtures.ts';
import { groupOf, type MakeStore, type StoreConformanceOptions, type TestFunction } from './harness.ts';

export function storeUsersTests(
  test: TestFunction,
  makeStore: MakeStore,
  options: StoreConformanceOptions = {},
): void {
  const group = groupOf(test, makeStore, options, 'users');

  group('upserts users and lists them by id', async (store) => {
    await store.upsertUsers([
      testUser('u2', {
        displayName: 'Ben',
        severity: 2,
        groups: [{ kind: 'team', id: 't1', name: 'Team One' }],
      }),
      testUser('u1', { email: 'ada@example.com' }),
    ]);
    const users = await store.users();
    assert.deepEqual(
      users.map((u) => u.id),
      ['u1', 'u2'],
    );
    assert.equal(users[0]!.email, 'ada@example.com');
    assert.equal(users[0]!.key, 'u1@example.com');
    assert.equal(users[1]!.displayName, 'Ben');
    assert.equal(users[1]!.severity, 2);
    assert.deepEqual(users[1]!.groups, [{ kind: 'team', id: 't1', name: 'Team One' }]);
  });

  group('an upsert updates an existing user in place', async (store) => {
    await store.upsertUsers([testUser('u1', { displayName: 'Old', severity: 0 })]);
    await store.upsertUsers([
      testUser('u1', {
        displayName: 'New',
        severity: 3,
        groups: [
          { kind: 'channel', id: 'c1' },
          { kind: 'team', id: 't1', name: 'T' },
        ],
      }),
    ]);
    const users = await store.users();
    assert.equal(users.length, 1);
    assert.equal(users[0]!.displayName, 'New');
    assert.equal(users[0]!.severity, 3);
    assert.equal(users[0]!.groups?.length, 2);
    assert.deepEqual(
      [...(users[0]!.groups ?? [])].sort((a, b) => a.id.localeCompare(b.id)),
      [
        { kind: 'channel', id: 'c1' },
        { kind: 'team', id: 't1', name: 'T' },
      ],
    );
  });
}
