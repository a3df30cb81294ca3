import assert from 'node:assert/strict';
import type { PresenceSample } from '../../model.ts';
import { at, intervalOpen, MINUTE, T0 } from './fixtures.ts';
import {
  groupOf,
  type MakeStore,
  type StoreConformanceOptions,
  startRunAt,
  type TestFunction,
  writeAt,
} from './harness.ts';

export function storeSamplesTests(
  test: TestFunction,
  makeStore: MakeStore,
  options: StoreConformanceOptions = {},
): void {
  const group = groupOf(test, makeStore, options, 'samples');

  group(
    'keeps raw samples and answers range queries on them, or none without the capability',
    async (store) => {
      const runId = await startRunAt(store);
      const sample = (
        userId: string,
        minute: number,
        status: PresenceSample['status'],
        raw?: Record<string, unknown>,
      ) =>
        ({
          userId,
          status,
          observedAt: at(minute),
          ...(raw ? { raw } : {}),
          source: 'poll',
        }) as PresenceSample;
      await writeAt(
        store,
        runId,
        0,
        [intervalOpen('u1', 'available', 0)],
        [sample('u1', 0, 'available', { a: 1 }), sample('u2', 0, 'busy')],
      );
      await writeAt(store, runId, 1, [], [sample('u2', 1, 'away'), sample('u1', 1, 'available')]);
      const all = await store.samples({ from: at(0), to: at(2) });
      if (!store.capabilities.samples) {
        assert.deepEqual(all, []);
        return;
      }
      assert.deepEqual(
        all.map((s) => [s.userId, (s.observedAt.getTime() - T0) / MINUTE, s.status]),
        [
          ['u1', 0, 'available'],
          ['u2', 0, 'busy'],
          ['u1', 1, 'available'],
          ['u2', 1, 'away'],
        ],
      );
      assert.deepEqual(all[0]!.raw, { a: 1 });
      assert.equal(all[0]!.source, 'poll');
      assert.equal((await store.samples({ from: at(1), to: at(2), userIds: ['u2'] })).length, 1);
      assert.equal((await store.samples({ from: at(2), to: at(3) })).length, 0);
    },
  );
}
