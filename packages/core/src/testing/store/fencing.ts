import assert from 'node:assert/strict';
import { shardOf } from '../../coordination/index.ts';
import { StoreError } from '../../errors.ts';
import type { PollWrite, PresenceStore } from '../../store/index.ts';
import { at, MINUTE, seen, sessionOpen } from './fixtures.ts';
import {
  groupOf,
  type MakeStore,
  type StoreConformanceOptions,
  startRunAt,
  type TestFunction,
} from './harness.ts';

const fenced = (e: unknown) => StoreError.isInstance(e) && e.code === 'STORE_FENCED';

/**
 * Writes carrying a `fence` are refused whole unless the writer still holds every lease it names.
 * Runs with `options.coordinate`; without it, checks that the store does not claim to fence.
 */
export function storeFencingTests(
  test: TestFunction,
  makeStore: MakeStore,
  options: StoreConformanceOptions = {},
): void {
  const group = groupOf(test, makeStore, options, 'fencing');
  const { coordinate } = options;
  if (!coordinate) {
    group('a store tested without options.coordinate does not claim to fence writes', async (store) => {
      assert.equal(
        store.capabilities.fencing,
        false,
        'the store says it fences writes (capabilities.fencing): pass options.coordinate to test it',
      );
    });
    return;
  }

  /** Two members of the store's lease group, and a user in a shard `a` holds. */
  const setUp = async (store: PresenceStore) => {
    assert.equal(store.capabilities.fencing, true, 'options.coordinate is for a store that fences writes');
    const a = await coordinate(store, 'a');
    const b = await coordinate(store, 'b');
    const runId = await startRunAt(store);
    const leases = await a.heartbeat(at(0));
    assert.ok(leases.length > 0, 'the only member holds every shard');
    const userIn = (shards: number[]) => {
      for (let i = 0; ; i++) if (shards.includes(shardOf(`user-${i}`, a.shards))) return `user-${i}`;
    };
    const write = (minute: number, userId: string, fence?: PollWrite['fence']): PollWrite => ({
      runId,
      at: at(minute),
      samples: [],
      effects: [sessionOpen(userId, minute), seen(userId, minute)],
      ...(fence ? { fence } : {}),
    });
    const sessions = async () => (await store.sessions({ from: at(-1), to: at(10_000) })).length;
    return { a, b, leases, userIn, write, sessions };
  };

  group(
    'a write under the leases its writer holds is written; after a takeover it is refused whole',
    async (store) => {
      const { a, b, leases, userIn, write, sessions } = await setUp(store);
      const user = userIn(leases.map((l) => l.shard));
      await store.writePoll(write(0, user, { owner: 'a', leases }));
      assert.equal(await sessions(), 1);
      // a stops renewing; once its leases expire b takes every shard, and a's leases are stale.
      const later = Math.ceil(a.leaseTtl / MINUTE) + 1;
      const taken = await b.heartbeat(at(later));
      assert.ok(taken.length > 0);
      const other = userIn(taken.map((l) => l.shard));
      await assert.rejects(store.writePoll(write(later, other, { owner: 'a', leases })), fenced);
      assert.equal(await sessions(), 1);
      await b.release();
    },
  );

  group('a write touching a user outside the shards it names is refused', async (store) => {
    const { a, leases, userIn, write, sessions } = await setUp(store);
    const [first] = leases;
    const outside = a.shards > 1 ? userIn(leases.filter((l) => l !== first).map((l) => l.shard)) : null;
    if (outside !== null) {
      await assert.rejects(store.writePoll(write(1, outside, { owner: 'a', leases: [first!] })), fenced);
    }
    await assert.rejects(
      store.writePoll(write(1, userIn([first!.shard]), { owner: 'a', leases: [] })),
      fenced,
    );
    await assert.rejects(
      store.writePoll(write(1, userIn([first!.shard]), { owner: 'someone-else', leases })),
      fenced,
    );
    assert.equal(await sessions(), 0);
    // Without a fence (no coordination) the store writes as always.
    await store.writePoll(write(1, userIn([first!.shard])));
    assert.equal(await sessions(), 1);
    await a.release();
  });
}
