import assert from 'node:assert/strict';
import { StoreError } from '../../errors.ts';
import type { StoreChanges } from '../../store/index.ts';
import { at, intervalClose, intervalOpen, seen, sessionClose, sessionOpen, testUser } from './fixtures.ts';
import {
  capabilityGroupOf,
  type MakeStore,
  type StoreConformanceOptions,
  startRunAt,
  type TestFunction,
  writeAt,
} from './harness.ts';

/** What changed, as comparable tuples: intervals and sessions by person and times, runs by id and end. */
function summary(c: StoreChanges) {
  return {
    intervals: c.intervals.map((i) => [
      i.userId,
      i.status,
      i.startedAt.getTime(),
      i.endedAt?.getTime() ?? null,
    ]),
    sessions: c.sessions.map((s) => [
      s.userId,
      s.startedAt.getTime(),
      s.endedAt?.getTime() ?? null,
      s.endReason,
    ]),
    runs: c.runs.map((r) => [r.id, r.endedAt?.getTime() ?? null]),
  };
}

/**
 * The optional `changes` capability: what was opened or closed after a cursor, each record once as it
 * is now, in the order of last change, and nothing for what was only confirmed. Stores without the
 * capability skip the group.
 */
export function storeChangesTests(
  test: TestFunction,
  makeStore: MakeStore,
  options: StoreConformanceOptions = {},
): void {
  const when = capabilityGroupOf(test, makeStore, options, 'changes', 'changes', ['changes']);

  when('answers only a cursor for null, and then what each write opened and closed', async (store) => {
    await store.upsertUsers([testUser('u1'), testUser('u2')]);
    const start = await store.changes!({ after: null });
    assert.deepEqual(summary(start), { intervals: [], sessions: [], runs: [] });
    assert.equal(typeof start.cursor, 'string');

    const run = await startRunAt(store, 0);
    const afterRun = await store.changes!({ after: start.cursor });
    assert.deepEqual(summary(afterRun), { intervals: [], sessions: [], runs: [[run, null]] });

    await writeAt(store, run, 1, [intervalOpen('u1', 'available', 1), sessionOpen('u1', 1)]);
    const opened = await store.changes!({ after: afterRun.cursor });
    assert.deepEqual(summary(opened), {
      intervals: [['u1', 'available', at(1).getTime(), null]],
      sessions: [['u1', at(1).getTime(), null, null]],
      runs: [],
    });
    assert.match(opened.sessions[0]!.id, /.+/);

    // Confirming what is open changes nothing a reader needs.
    await writeAt(store, run, 2, [seen('u1', 2)]);
    const quiet = await store.changes!({ after: opened.cursor });
    assert.deepEqual(summary(quiet), { intervals: [], sessions: [], runs: [] });

    await writeAt(store, run, 3, [
      intervalClose('u1', 3),
      intervalOpen('u1', 'away', 3),
      intervalOpen('u2', 'busy', 3),
    ]);
    await writeAt(store, run, 5, [intervalClose('u1', 5), sessionClose('u1', 1, 5, 'offline', 2)]);
    await store.endRun(run, at(6));
    const later = await store.changes!({ after: quiet.cursor });
    assert.deepEqual(summary(later), {
      intervals: [
        ['u1', 'available', at(1).getTime(), at(3).getTime()],
        ['u2', 'busy', at(3).getTime(), null],
        ['u1', 'away', at(3).getTime(), at(5).getTime()],
      ],
      sessions: [['u1', at(1).getTime(), at(5).getTime(), 'offline']],
      runs: [[run, at(6).getTime()]],
    });
    assert.equal(later.sessions[0]!.id, opened.sessions[0]!.id);
    assert.equal(later.sessions[0]!.lastSeenAt.getTime(), at(2).getTime());

    // From the start, each record once, as it is now, ordered by its last change.
    const all = await store.changes!({ after: start.cursor });
    assert.deepEqual(summary(all).intervals, summary(later).intervals);
    assert.deepEqual(summary(all).sessions, summary(later).sessions);
    assert.deepEqual(summary(all).runs, [[run, at(6).getTime()]]);
    assert.deepEqual(summary(await store.changes!({ after: all.cursor })), {
      intervals: [],
      sessions: [],
      runs: [],
    });
    return undefined;
  });

  when('keeps its cursors across a reopen, and forgets a purged person', async (store) => {
    const run = await startRunAt(store, 0);
    const before = await store.changes!({ after: null });
    await writeAt(store, run, 1, [intervalOpen('u1', 'available', 1), intervalOpen('u2', 'dnd', 1)]);
    let current = store;
    if (options.reopen) current = await options.reopen(store);
    await current.purgeUser('u2');
    const found = await current.changes!({ after: before.cursor });
    assert.deepEqual(summary(found).intervals, [['u1', 'available', at(1).getTime(), null]]);
    return current;
  });

  when('refuses a cursor it did not give', async (store) => {
    await assert.rejects(store.changes!({ after: 'not a cursor' }), (e: unknown) => StoreError.isInstance(e));
    await assert.rejects(
      store.changes!({ after: 42 as unknown as string }),
      (e: unknown) => StoreError.isInstance(e) && e.code === 'STORE_INVALID',
    );
    return undefined;
  });
}
