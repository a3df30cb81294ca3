import assert from 'node:assert/strict';
import type { Effect } from '../../machine/index.ts';
import {
  at,
  intervalClose,
  intervalOpen,
  MINUTE,
  sessionClose,
  sessionOpen,
  T0,
  testUser,
} from './fixtures.ts';
import {
  groupOf,
  type MakeStore,
  type StoreConformanceOptions,
  startRunAt,
  type TestFunction,
  writeAt,
} from './harness.ts';

export function storeQueriesTests(
  test: TestFunction,
  makeStore: MakeStore,
  options: StoreConformanceOptions = {},
): void {
  const group = groupOf(test, makeStore, options, 'queries');

  group('range queries return records overlapping [from, to), open ones included', async (store) => {
    const runId = await startRunAt(store);
    await writeAt(store, runId, 0, [
      intervalOpen('u1', 'available', 0),
      sessionOpen('u1', 0),
      intervalOpen('u2', 'away', 0),
    ]);
    await writeAt(store, runId, 10, [
      intervalClose('u1', 10),
      intervalOpen('u1', 'busy', 10),
      intervalClose('u2', 10),
      intervalOpen('u2', 'offline', 10),
    ]);
    await writeAt(store, runId, 20, [
      intervalClose('u1', 20),
      intervalOpen('u1', 'offline', 20),
      sessionClose('u1', 0, 20),
    ]);
    await writeAt(store, runId, 30, [
      sessionOpen('u2', 30),
      intervalClose('u2', 30),
      intervalOpen('u2', 'available', 30),
    ]);

    const ids = (list: { userId: string; startedAt: Date }[]) =>
      list.map((r) => `${r.userId}@${(r.startedAt.getTime() - T0) / MINUTE}`);
    assert.deepEqual(ids(await store.intervals({ from: at(0), to: at(100) })), [
      'u1@0',
      'u2@0',
      'u1@10',
      'u2@10',
      'u1@20',
      'u2@30',
    ]);
    // Touching an edge is not overlapping: [0,10) does not overlap [10,20).
    assert.deepEqual(ids(await store.intervals({ from: at(10), to: at(20) })), ['u1@10', 'u2@10']);
    assert.deepEqual(ids(await store.intervals({ from: at(25), to: at(26) })), ['u2@10', 'u1@20']);
    assert.deepEqual(ids(await store.intervals({ from: at(500), to: at(600) })), ['u1@20', 'u2@30']);
    assert.deepEqual(ids(await store.intervals({ from: at(5), to: at(15), userIds: ['u2'] })), [
      'u2@0',
      'u2@10',
    ]);
    assert.deepEqual(ids(await store.intervals({ from: at(5), to: at(15), userIds: [] })), []);
    assert.deepEqual(ids(await store.intervals({ from: at(5), to: at(15), userIds: ['nobody'] })), []);

    assert.deepEqual(ids(await store.sessions({ from: at(0), to: at(100) })), ['u1@0', 'u2@30']);
    assert.deepEqual(ids(await store.sessions({ from: at(20), to: at(30) })), []);
    assert.deepEqual(ids(await store.sessions({ from: at(19), to: at(31) })), ['u1@0', 'u2@30']);
    assert.deepEqual(ids(await store.sessions({ from: at(0), to: at(100), userIds: ['u2'] })), ['u2@30']);
    const open2 = (await store.sessions({ from: at(1000), to: at(2000) }))[0]!;
    assert.equal(open2.endedAt, null);
    assert.equal(open2.endReason, null);
  });

  group('answers for many users and long histories', async (store) => {
    const runId = await startRunAt(store);
    const users = Array.from({ length: 200 }, (_, i) => `user-${String(i).padStart(3, '0')}`);
    await store.upsertUsers(users.map((id) => testUser(id)));
    const statuses = ['available', 'busy', 'away', 'dnd'] as const;
    for (let minute = 0; minute < 20; minute++) {
      const effects: Effect[] = [];
      for (const [i, id] of users.entries()) {
        if (minute > 0) effects.push(intervalClose(id, minute));
        else effects.push(sessionOpen(id, 0));
        effects.push(intervalOpen(id, statuses[(i + minute) % statuses.length]!, minute));
      }
      await writeAt(store, runId, minute, effects);
    }
    assert.equal((await store.users()).length, 200);
    assert.equal((await store.intervals({ from: at(0), to: at(20) })).length, 200 * 20);
    assert.equal((await store.intervals({ from: at(5), to: at(7) })).length, 200 * 2);
    assert.equal((await store.intervals({ from: at(5), to: at(7), userIds: users.slice(0, 10) })).length, 20);
    assert.equal((await store.sessions({ from: at(0), to: at(20) })).length, 200);
  });
}
