import assert from 'node:assert/strict';
import { StoreError } from '../../errors.ts';
import {
  type PresenceStore,
  ROLLUP_DAY_MS,
  RollupIndex,
  type RollupRecords,
  rollupDay,
  rollupReadDays,
} from '../../store/index.ts';
import { checkRollupAgreement, ROLLUP_ZONES } from './agreement.ts';
import { at, intervalClose, intervalOpen, sessionClose, sessionOpen, T0, testUser } from './fixtures.ts';
import {
  capabilityGroupOf,
  type MakeStore,
  type StoreConformanceOptions,
  startRunAt,
  type TestFunction,
  writeAt,
} from './harness.ts';

/** Minutes from `T0` (08:00 UTC) to the next UTC midnight. */
const MIDNIGHT = 16 * 60;

/** What a store's rollups hold for the range, decoded: each person's records as numbers. */
async function records(store: PresenceStore, from: Date, to: Date, userIds?: string[]) {
  const read = await store.rollups!(userIds ? { from, to, userIds } : { from, to });
  const index = new RollupIndex(read);
  const byUser = new Map<string, RollupRecords>();
  for (const id of index.users()) byUser.set(id, index.records(id, { intervals: [], sessions: [] }));
  return { read, byUser };
}

/**
 * The optional `rollups` capability: digests per person per UTC day, written with the records they
 * sum up, and reports from them equal to reports from the raw records. Stores without the capability
 * skip the group.
 */
export function storeRollupsTests(
  test: TestFunction,
  makeStore: MakeStore,
  options: StoreConformanceOptions = {},
): void {
  const when = capabilityGroupOf(test, makeStore, options, 'rollups', 'rollups', ['rollups']);

  when('cuts an interval at each UTC midnight and keeps a session on every day it touches', async (store) => {
    const runId = await startRunAt(store);
    await writeAt(store, runId, 0, [intervalOpen('u1', 'busy', 0), sessionOpen('u1', 0)]);
    // Busy from 08:00 to 08:00 two days later, then away for a minute; the session spans all of it.
    await writeAt(store, runId, 2 * 24 * 60, [
      intervalClose('u1', 2 * 24 * 60),
      intervalOpen('u1', 'away', 2 * 24 * 60),
    ]);
    await writeAt(store, runId, 2 * 24 * 60 + 1, [
      intervalClose('u1', 2 * 24 * 60 + 1),
      sessionClose('u1', 0, 2 * 24 * 60 + 1, 'stopped'),
    ]);
    const { read, byUser } = await records(store, at(-60), at(3 * 24 * 60));
    // A store may answer the days in any order, several in one entry, or in day rows.
    const days = rollupReadDays(read)
      .map(([, day]) => day)
      .sort((x, y) => x - y);
    const first = rollupDay(T0);
    assert.deepEqual(days, [first, first + ROLLUP_DAY_MS, first + 2 * ROLLUP_DAY_MS]);
    const mid = at(MIDNIGHT).getTime();
    assert.deepEqual(byUser.get('u1')!.intervals, [
      T0,
      mid,
      1,
      mid,
      mid + ROLLUP_DAY_MS,
      1,
      mid + ROLLUP_DAY_MS,
      at(2 * 24 * 60).getTime(),
      1,
      at(2 * 24 * 60).getTime(),
      at(2 * 24 * 60 + 1).getTime(),
      3,
    ]);
    assert.deepEqual(byUser.get('u1')!.sessions, [T0, at(2 * 24 * 60 + 1).getTime()]);
    assert.deepEqual(read.openIntervals, []);
    assert.deepEqual(read.openSessions, []);
  });

  when(
    'reads only the days touching the range, the users asked for, and what is still open',
    async (store) => {
      const runId = await startRunAt(store);
      await writeAt(store, runId, 0, [
        intervalOpen('u1', 'available', 0),
        intervalOpen('u2', 'dnd', 0),
        sessionOpen('u2', 0),
      ]);
      await writeAt(store, runId, 30, [intervalClose('u1', 30), intervalOpen('u1', 'busy', 30)]);
      await writeAt(store, runId, MIDNIGHT + 60, [intervalClose('u1', MIDNIGHT + 60)]);
      const later = await records(store, at(MIDNIGHT + 30), at(MIDNIGHT + 40), ['u1']);
      assert.deepEqual(rollupReadDays(later.read), [['u1', at(MIDNIGHT).getTime()]]);
      const all = await records(store, at(10), at(20));
      assert.deepEqual(
        all.read.openIntervals.map((o) => [o.userId, o.status, o.startedAt.getTime()]),
        [['u2', 'dnd', T0]],
      );
      assert.deepEqual(
        all.read.openSessions.map((o) => [o.userId, o.startedAt.getTime()]),
        [['u2', T0]],
      );
      // Open records that start after the range are not in it.
      const before = await records(store, at(-60), at(-30));
      assert.deepEqual(before.read.openIntervals, []);
    },
  );

  when('leaves the rollups as they were when a write is refused', async (store) => {
    const runId = await startRunAt(store);
    await writeAt(store, runId, 0, [intervalOpen('u1', 'available', 0)]);
    await writeAt(store, runId, 10, [intervalClose('u1', 10), intervalOpen('u1', 'busy', 10)]);
    const before = await records(store, at(0), at(60));
    // Closes u1's interval (which would add to the digest), then opens a second one for u1: refused whole.
    await assert.rejects(
      writeAt(store, runId, 20, [
        intervalClose('u1', 20),
        intervalOpen('u1', 'away', 20),
        intervalOpen('u1', 'dnd', 20),
      ]),
      (e: unknown) => StoreError.isInstance(e) && e.code === 'STORE_CONFLICT',
    );
    assert.deepEqual(await records(store, at(0), at(60)), before);
  });

  when('removes a purged person’s rollups and keeps everyone else’s', async (store) => {
    await store.upsertUsers([testUser('u1'), testUser('u2')]);
    const runId = await startRunAt(store);
    await writeAt(store, runId, 0, [intervalOpen('u1', 'available', 0), intervalOpen('u2', 'busy', 0)]);
    await writeAt(store, runId, 5, [intervalClose('u1', 5), intervalClose('u2', 5)]);
    await store.purgeUser('u1');
    const { byUser } = await records(store, at(-60), at(60));
    assert.deepEqual([...byUser.keys()], ['u2']);
  });

  when('keeps the rollups across a reopen', async (store) => {
    if (!options.reopen) return undefined;
    const runId = await startRunAt(store);
    await writeAt(store, runId, 0, [intervalOpen('u1', 'offline', 0)]);
    await writeAt(store, runId, MIDNIGHT + 1, [intervalClose('u1', MIDNIGHT + 1)]);
    const before = await records(store, at(0), at(MIDNIGHT + 10));
    const reopened = await options.reopen(store);
    assert.deepEqual(await records(reopened, at(0), at(MIDNIGHT + 10)), before);
    return reopened;
  });

  ROLLUP_ZONES.forEach((timeZone, i) => {
    when(`reports from rollups equal reports from the raw records in ${timeZone}`, async (store) => {
      // Starting at odd instants within a week around the 2026 spring clock changes.
      await checkRollupAgreement(store, {
        seed: 1000 + i,
        timeZone,
        start: Date.UTC(2026, 2, 27, 0, 0, 0) + i * 7_777_777,
      });
      return undefined;
    });
  });
}
