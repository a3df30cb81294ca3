import type { PresenceSample } from '../model.ts';
import { rebalance } from './leases.ts';
import { nextPollAt } from './next-poll.ts';
import { resync } from './recovery.ts';
import type { Runtime } from './runtime.ts';
import type { PollResult } from './tracker.ts';
import { ensureUsers } from './users.ts';

/**
 * One poll: renews the leases, resolves the users if not yet done, reads presence inside the
 * schedule's windows, applies it to each user's machine and writes the outcome; then adds it to the
 * run's counters in the store (after the write, whose time the poll's duration includes).
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
  const effects = rt.closeFinishedWindow(at);
  rt.lastPollAt = at;
  if (rt.schedule && rt.schedule.windowAt(at) === null) {
    await rt.commit(at, [], effects);
    return done(rt, { at, skipped: 'outside-window', samples: 0, effects: effects.length });
  }

  let samples: PresenceSample[] = [];
  let skipped: PollResult['skipped'];
  try {
    samples = await rt.options.provider.getPresence([...rt.states.keys()]);
    rt.succeeded('provider');
  } catch (error) {
    skipped = 'provider-error';
    rt.fail(error, 'provider');
  }
  const applied = rt.applySamples(samples, effects);
  rt.applyAll({ type: 'tick', at }, effects);
  await rt.commit(at, applied, effects);
  return done(rt, {
    at,
    ...(skipped ? { skipped } : {}),
    samples: applied.length,
    effects: effects.length,
  });
}

function done(rt: Runtime, outcome: Omit<PollResult, 'nextPollAt'>): PollResult {
  const next = nextPollAt(rt.states.heldUntilAll(), outcome.at.getTime(), rt.pace);
  const result = { ...outcome, nextPollAt: new Date(next) };
  rt.counters.poll(result, rt.clock.now().getTime() - outcome.at.getTime());
  rt.emit('poll', result);
  return result;
}
