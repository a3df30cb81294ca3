import type { Effect } from '../machine/index.ts';
import type { PresenceSample } from '../model.ts';
import { Batches } from './batches.ts';
import { rebalance } from './leases.ts';
import { nextPollAt } from './next-poll.ts';
import { resync } from './recovery.ts';
import type { Runtime } from './runtime.ts';
import type { PollResult } from './tracker.ts';
import { ensureUsers } from './users.ts';

/**
 * One poll: renews the leases, resolves the users if not yet done, reads presence inside the
 * schedule's windows, applies it to each user's machine and writes the outcome; then adds it to the
 * run's counters in the store (after the writes, whose time the poll's duration includes).
 */
export async function poll(rt: Runtime): Promise<PollResult> {
  const result = await pollOnce(rt);
  await rt.flushCounters();
  return result;
}

async function pollOnce(rt: Runtime): Promise<PollResult> {
  const at = rt.clock.now();
  if (!(await rebalance(rt, at)))
    return done(rt, { at, skipped: 'coordination-error', samples: 0, effects: 0 });
  if (!(await ensureUsers(rt))) return done(rt, { at, skipped: 'no-users', samples: 0, effects: 0 });
  if (rt.conflicted.size > 0) {
    const users = rt.tracked.filter((u) => rt.conflicted.has(u.id));
    rt.conflicted.clear();
    await resync(rt, at, users);
  }
  const closed = await rt.closeInBatches(at, false);
  rt.lastPollAt = at;
  if (rt.schedule && rt.schedule.windowAt(at) === null) {
    return done(rt, { at, skipped: 'outside-window', samples: 0, effects: closed.effects });
  }
  return done(rt, { at, ...(await readInBatches(rt, at, closed)) });
}

type Read = { samples: PresenceSample[]; error?: undefined } | { samples?: undefined; error: unknown };

/**
 * Reads the people in batches of `pollBatchSize`: each batch's samples, then the tick, are applied to
 * that batch's people and written as a write of its own, while the next batch is read. At most one
 * read and one write are on their way at a time, so a poll holds about two batches, and the provider
 * is read while the store writes. `closed` says what a window's end closed before, and whether the
 * store failed then.
 *
 * A batch the provider fails to read is a failed poll for its people alone: they get the tick without
 * samples, as everyone did when a whole poll failed. Once the store fails, the batches after it are
 * only queued (and spooled), to be written first at the next poll. A tracker that begins to stop
 * reads no further batch.
 */
async function readInBatches(
  rt: Runtime,
  at: Date,
  closed: { effects: number; failure: unknown },
): Promise<Pick<PollResult, 'skipped' | 'samples' | 'effects' | 'unread'>> {
  const people = [...rt.states.keys()];
  // Nobody to read is still a poll that asks: a provider may keep up its subscriptions at polls.
  const batches = new Batches(people, rt.pollBatchSize);
  const count = Math.max(1, batches.count);
  const tick = { type: 'tick', at } as const;
  let samples = 0;
  let effects = closed.effects;
  let read = 0;
  let unread = 0;
  let failures = 0;
  let storeAway = closed.failure !== null;

  const { signal } = rt.reads;
  const readBatch = (ids: string[]): Promise<Read> =>
    rt.options.provider.getPresence(ids, { signal }).then(
      (samples) => ({ samples }),
      (error: unknown) => ({ error }),
    );
  // Settled into a value at once, so a write that throws (a spool that cannot be written) is never an
  // unhandled rejection.
  const writeBatch = (applied: readonly PresenceSample[], decided: Effect[]): Promise<{ error?: unknown }> =>
    (async () => {
      await rt.queue(at, applied, decided);
      if (!storeAway) storeAway = (await rt.flushWrites()) !== null;
    })().then(
      () => ({}),
      (error: unknown) => ({ error }),
    );
  // Users dropped meanwhile (leases lost at a refused write) are neither read nor ticked.
  const tracked = (ids: string[]) => ids.filter((id) => rt.states.has(id));

  let batch = batches.count > 0 ? tracked(batches.at(0)) : [];
  let reading = readBatch(batch);
  let writing: Promise<{ error?: unknown }> = Promise.resolve({});
  for (let n = 0; ; n++) {
    const outcome = await reading;
    const written = await writing;
    if (written.error !== undefined) throw written.error;
    const decided: Effect[] = [];
    if (outcome.error === undefined) read++;
    else {
      failures++;
      // A read given up because the tracker stops is no failure of the platform's.
      if (failures === 1 && !signal.aborted) rt.fail(outcome.error, 'provider');
      unread += batch.length;
    }
    const applied = rt.applySamples(outcome.samples ?? [], decided);
    rt.states.applyTo(batch, tick, decided);
    samples += applied.length;
    effects += decided.length;
    writing = writeBatch(applied, decided);
    if (n + 1 === count) break;
    if (rt.lifecycle === 'stopping') {
      // The stop closes everyone; the people not read yet are left to it.
      for (let rest = n + 1; rest < count; rest++) unread += tracked(batches.at(rest)).length;
      break;
    }
    batch = tracked(batches.at(n + 1));
    reading = batch.length > 0 ? readBatch(batch) : Promise.resolve({ samples: [] });
  }
  const written = await writing;
  if (written.error !== undefined) throw written.error;

  if (failures === 0) rt.succeeded('provider');
  else if (count > 1) {
    rt.logger.warn({ failed: failures, batches: count, unread }, 'some batches of the poll unread');
  }
  return {
    ...(read === 0 && failures > 0 ? { skipped: 'provider-error' as const } : {}),
    samples,
    effects,
    ...(unread > 0 && read > 0 ? { unread } : {}),
  };
}

function done(rt: Runtime, outcome: Omit<PollResult, 'nextPollAt'>): PollResult {
  const next = nextPollAt(rt.states.heldUntilAll(), outcome.at.getTime(), rt.pace);
  const result = { ...outcome, nextPollAt: new Date(next) };
  rt.counters.poll(result, rt.clock.now().getTime() - outcome.at.getTime());
  rt.emit('poll', result);
  return result;
}
