import { type Effect, initialState, type MachineEvent, transition } from '../machine/index.ts';
import type { Run, User } from '../model.ts';
import type { OpenState } from '../store/index.ts';
import type { Runtime } from './runtime.ts';

/**
 * Closes what crashed runs left open at each user's last sighting, then ends those runs at their last
 * poll; returns how many users were recovered and the runs ended.
 */
export async function recover(rt: Runtime, run: Run, left: OpenState) {
  const { store, coordination } = rt.options;
  await recoverUsers(rt, run.startedAt, left);
  const ended: (Run & { endedAt: Date })[] = [];
  for (const old of left.runs) {
    if (old.id === run.id) continue;
    const last = old.lastPollAt ?? old.startedAt;
    // Another tracker's run is alive while it keeps polling; only a silent one is over.
    if (coordination && run.startedAt.getTime() - last.getTime() <= coordination.leaseTtl) continue;
    await store.endRun(old.id, last);
    ended.push({ id: old.id, startedAt: old.startedAt, endedAt: last });
  }
  const users = new Set(
    [...left.intervals, ...left.sessions].map((o) => o.userId).filter((id) => rt.leases.owns(id)),
  ).size;
  return { users, ended };
}

/** Whom a recovered run's statistics cover: everyone the store knows that this tracker owns. */
export async function recoveredUsers(rt: Runtime): Promise<User[]> {
  try {
    return (await rt.options.store.users()).filter((u) => rt.leases.owns(u.id));
  } catch (error) {
    rt.fail(error, 'run statistics', false);
    return [];
  }
}

/** Closes, at their last sighting, the open intervals and sessions of the users this tracker owns. */
export async function recoverUsers(rt: Runtime, at: Date, left: Pick<OpenState, 'intervals' | 'sessions'>) {
  const byUser = new Map<string, MachineEvent & { type: 'recover' }>();
  const entry = (userId: string) => {
    let e = byUser.get(userId);
    if (!e) {
      e = { type: 'recover', open: {} };
      byUser.set(userId, e);
    }
    return e;
  };
  for (const i of left.intervals) if (rt.leases.owns(i.userId)) entry(i.userId).open.interval = i;
  for (const s of left.sessions) if (rt.leases.owns(s.userId)) entry(s.userId).open.session = s;
  const effects: Effect[] = [];
  for (const [userId, event] of byUser) {
    effects.push(...transition(initialState(userId), event, rt.policy).effects);
  }
  if (effects.length > 0) await rt.commit(at, [], effects);
}

/** Closes what the store holds open for these users at their last sighting, then tracks them afresh. */
export async function resync(rt: Runtime, at: Date, users: readonly User[]) {
  const ids = new Set(users.map((u) => u.id));
  rt.dropUsers((id) => ids.has(id));
  await recoverUsers(rt, at, await rt.options.store.openState({ userIds: users.map((u) => u.id) }));
  for (const u of users) if (rt.leases.owns(u.id)) rt.states.set(u.id, initialState(u.id, u.severity));
}
