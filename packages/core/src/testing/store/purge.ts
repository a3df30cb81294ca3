import assert from 'node:assert/strict';
import type { PresenceSample } from '../../model.ts';
import { at, intervalClose, intervalOpen, sessionClose, sessionOpen, testUser } from './fixtures.ts';
import {
  groupOf,
  type MakeStore,
  type StoreConformanceOptions,
  startRunAt,
  type TestFunction,
  writeAt,
} from './harness.ts';

export function storePurgeTests(
  test: TestFunction,
  makeStore: MakeStore,
  options: StoreConformanceOptions = {},
): void {
  const group = groupOf(test, makeStore, options, 'purge');

  group('removes everything about one user and nothing else', async (store) => {
    const runId = await startRunAt(store);
    await store.upsertUsers([testUser('u1'), testUser('u2')]);
    const samples: PresenceSample[] = [
      { userId: 'u1', status: 'available', observedAt: at(0) },
      { userId: 'u2', status: 'busy', observedAt: at(0) },
    ];
    await writeAt(
      store,
      runId,
      0,
      [
        intervalOpen('u1', 'available', 0),
        sessionOpen('u1', 0),
        intervalOpen('u2', 'busy', 0),
        sessionOpen('u2', 0),
      ],
      samples,
    );
    await writeAt(store, runId, 5, [intervalClose('u1', 5), sessionClose('u1', 0, 5, 'stopped')]);
    await store.purgeUser('u1');
    assert.deepEqual(
      (await store.users()).map((u) => u.id),
      ['u2'],
    );
    const range = { from: at(-100), to: at(100) };
    assert.deepEqual(
      (await store.intervals(range)).map((i) => i.userId),
      ['u2'],
    );
    assert.deepEqual(
      (await store.sessions(range)).map((s) => s.userId),
      ['u2'],
    );
    assert.ok((await store.samples(range)).every((s) => s.userId === 'u2'));
    assert.deepEqual(
      (await store.openState()).intervals.map((i) => i.userId),
      ['u2'],
    );
  });
}
