import assert from 'node:assert/strict';
import { StoreError } from '../../errors.ts';
import type { PresenceSample } from '../../model.ts';
import type { PollWrite } from '../../store/index.ts';
import { at, intervalOpen, testUser } from './fixtures.ts';
import {
  groupOf,
  type MakeStore,
  type StoreConformanceOptions,
  startRunAt,
  type TestFunction,
} from './harness.ts';

/** A refusal coded `STORE_INVALID` whose message names `field`, and only it. */
const invalid = (field: string) => (e: unknown) =>
  StoreError.isInstance(e) &&
  e.code === 'STORE_INVALID' &&
  e.message.includes(`: ${field}: expected`) &&
  e.details?.field === field;

/** Calls that are not what the contract says are refused before anything is written, naming the field. */
export function storeInputTests(
  test: TestFunction,
  makeStore: MakeStore,
  options: StoreConformanceOptions = {},
): void {
  const group = groupOf(test, makeStore, options, 'input');
  const base = (runId: string): PollWrite => ({ runId, at: at(1), samples: [], effects: [] });
  /** Casts a malformed value to the type the call wants: the point is to send what a type would stop. */
  const loose = <T>(value: unknown) => value as T;

  group('a malformed poll write is refused whole, naming the field', async (store) => {
    const runId = await startRunAt(store);
    const cases: [string, PollWrite][] = [
      ['at', { ...base(runId), at: new Date(Number.NaN) }],
      ['runId', { ...base(runId), runId: loose<string>(7) }],
      ['samples', { ...base(runId), samples: loose<PollWrite['samples']>('none') }],
      [
        'samples[0].status',
        { ...base(runId), samples: [{ userId: 'u1', status: loose('here'), observedAt: at(1) }] },
      ],
      [
        'samples[1]',
        {
          ...base(runId),
          samples: [{ userId: 'u1', status: 'busy', observedAt: at(1) }, loose<PresenceSample>(null)],
        },
      ],
      [
        'samples[0].observedAt',
        { ...base(runId), samples: [{ userId: 'u1', status: 'busy', observedAt: loose('today') }] },
      ],
      [
        'effects[1].startedAt',
        {
          ...base(runId),
          effects: [
            intervalOpen('u1', 'busy', 1),
            { type: 'session.open', userId: 'u1', startedAt: loose('soon') },
          ],
        },
      ],
      [
        'effects[0].status',
        {
          ...base(runId),
          effects: [{ type: 'interval.open', userId: 'u1', status: loose('idle'), startedAt: at(1) }],
        },
      ],
      [
        'effects[0].userId',
        { ...base(runId), effects: [{ type: 'seen', userId: '', at: at(1), present: true }] },
      ],
      ['effects[0].type', { ...base(runId), effects: [loose({ type: 'interval.reopen', userId: 'u1' })] }],
      [
        'effects[0].reason',
        {
          ...base(runId),
          effects: [
            {
              type: 'session.close',
              userId: 'u1',
              startedAt: at(0),
              endedAt: at(1),
              lastSeenAt: at(1),
              reason: loose('bored'),
            },
          ],
        },
      ],
      [
        'outbox[0].notifier',
        {
          ...base(runId),
          outbox: [
            { notifier: loose(null), event: { id: 'e', type: 'run.started', timestamp: at(1), data: {} } },
          ],
        },
      ],
      [
        'fence.leases[0].shard',
        { ...base(runId), fence: { owner: 'a', leases: [{ shard: 0.5, generation: 1 }] } },
      ],
    ];
    for (const [field, write] of cases) {
      // A valid effect after the bad field: refused whole means it is not written either.
      const effects = Array.isArray(write.effects)
        ? [...write.effects, intervalOpen('u9', 'available', 1)]
        : write.effects;
      await assert.rejects(store.writePoll({ ...write, effects }), invalid(field), field);
    }
    assert.deepEqual(await store.intervals({ from: at(-10), to: at(10) }), []);
    const [run] = await store.runs({ from: at(-10), to: at(10) });
    assert.equal(run?.id, runId);
  });

  group(
    'malformed users, instants, queries and outbox calls are refused, naming the field',
    async (store) => {
      await assert.rejects(store.upsertUsers([testUser('u1'), testUser('', {})]), invalid('users[1].id'));
      await assert.rejects(
        store.upsertUsers([testUser('u1', { severity: loose(7) })]),
        invalid('users[0].severity'),
      );
      await assert.rejects(
        store.upsertUsers([testUser('u1', { groups: [{ kind: 'team', id: loose(3) }] })]),
        invalid('users[0].groups[0].id'),
      );
      assert.deepEqual(await store.users(), []);
      await assert.rejects(store.startRun(new Date('nope')), invalid('startedAt'));
      assert.deepEqual(await store.runs({ from: at(-10), to: at(10) }), []);
      const runId = await startRunAt(store);
      await assert.rejects(store.endRun(runId, loose('later')), invalid('endedAt'));
      await assert.rejects(store.runs({ from: at(0), to: loose(undefined) }), invalid('to'));
      await assert.rejects(store.intervals({ from: loose(0), to: at(1) }), invalid('from'));
      await assert.rejects(
        store.sessions({ from: at(0), to: at(1), userIds: loose('u1') }),
        invalid('userIds'),
      );
      await assert.rejects(store.openState({ userIds: loose([1]) }), invalid('userIds[0]'));
      await assert.rejects(store.outboxPending({ notifier: 'a', limit: -1 }), invalid('limit'));
      await assert.rejects(store.outboxDelivered([loose('1')]), invalid('seqs[0]'));
      await assert.rejects(
        store.outboxFailed({ seq: 1, attempts: 1, nextAttemptAt: loose('soon'), error: 'x' }),
        invalid('nextAttemptAt'),
      );
      await assert.rejects(
        store.outboxEnqueue([
          { notifier: 'a', event: { id: 'e', type: 'run.started', timestamp: at(0), data: loose('x') } },
        ]),
        invalid('messages[0].event.data'),
      );
      await assert.rejects(store.purgeUser(loose(undefined)), invalid('userId'));
      assert.deepEqual(await store.outboxPending({ notifier: 'a' }), []);
      // Checks come first: a malformed call on a closed store still names its field.
      await store.close();
      await assert.rejects(store.startRun(new Date('nope')), invalid('startedAt'));
    },
  );
}
