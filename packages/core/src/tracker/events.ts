import type { EventEmitter } from 'eventemitter3';
import type { Effect } from '../machine/index.ts';
import type { Status, User } from '../model.ts';
import { createEvent, type TrackerEvent, type TrackerEventType } from '../notifier/events.ts';
import type { TrackerEvents } from './tracker.ts';

/**
 * What a poll's effects mean to notifiers: the sessions and long unavailabilities among them, of the
 * types in `wanted` only (those some notifier takes). Nothing is made for types no notifier takes: a
 * stop of a million people would otherwise make a million `session.ended` events, each with its id and
 * instants as text, for nobody.
 */
export function toEvents(
  effects: readonly Effect[],
  at: Date,
  byId: ReadonlyMap<string, User>,
  wanted: ReadonlySet<TrackerEventType>,
): TrackerEvent[] {
  const events: TrackerEvent[] = [];
  if (wanted.size === 0) return events;
  const started = wanted.has('session.started');
  const ended = wanted.has('session.ended');
  const unavailable = wanted.has('unavailable.long');
  // Indexed loops here and in emitEffects: they see every effect of every poll, and an iterator may
  // cost an object per effect.
  for (let n = 0; n < effects.length; n++) {
    const e = effects[n]!;
    switch (e.type) {
      case 'session.open':
        if (!started) break;
        events.push(
          createEvent('session.started', at, { ...person(byId, e.userId), startedAt: iso(e.startedAt) }),
        );
        break;
      case 'session.close':
        if (!ended) break;
        events.push(
          createEvent('session.ended', at, {
            ...person(byId, e.userId),
            startedAt: iso(e.startedAt),
            endedAt: iso(e.endedAt),
            durationMs: e.endedAt.getTime() - e.startedAt.getTime(),
            reason: e.reason,
          }),
        );
        break;
      case 'unavailable.long':
        if (!unavailable) break;
        events.push(
          createEvent('unavailable.long', at, {
            ...person(byId, e.userId),
            status: e.status,
            since: iso(e.since),
            durationMs: e.at.getTime() - e.since.getTime(),
            thresholdMs: e.thresholdMs,
          }),
        );
        break;
      case 'interval.open':
      case 'interval.close':
      case 'seen':
        break;
      default:
        e satisfies never;
        throw new TypeError(`unknown effect ${(e as { type: string }).type}`);
    }
  }
  return events;
}

/** Where each user's last status is kept, for the `previous` of the next `status` event. */
export interface StatusMemory {
  recordedStatus(userId: string): Status | null;
  recordStatus(userId: string, status: Status): void;
}

/**
 * Tells listeners what a poll's effects changed: statuses (`statuses` holds each user's last one),
 * sessions and long unavailabilities.
 */
export function emitEffects(
  emitter: EventEmitter<TrackerEvents>,
  effects: readonly Effect[],
  statuses: StatusMemory,
): void {
  for (let n = 0; n < effects.length; n++) {
    const e = effects[n]!;
    switch (e.type) {
      case 'interval.open': {
        const previous = statuses.recordedStatus(e.userId);
        statuses.recordStatus(e.userId, e.status);
        emitter.emit('status', { userId: e.userId, status: e.status, previous, at: e.startedAt });
        break;
      }
      case 'interval.close':
        break;
      case 'session.open':
        emitter.emit('session:start', { userId: e.userId, startedAt: e.startedAt });
        break;
      case 'session.close':
        emitter.emit('session:end', {
          userId: e.userId,
          startedAt: e.startedAt,
          endedAt: e.endedAt,
          lastSeenAt: e.lastSeenAt,
          reason: e.reason,
        });
        break;
      case 'unavailable.long':
        emitter.emit('unavailable:long', { ...e });
        break;
      case 'seen':
        break;
      default:
        e satisfies never;
        throw new TypeError(`unknown effect ${(e as { type: string }).type}`);
    }
  }
}

/** Who an event is about, as notifiers see them. */
function person(byId: ReadonlyMap<string, User>, userId: string) {
  const u = byId.get(userId);
  return {
    userId,
    ...(u?.displayName ? { displayName: u.displayName } : {}),
    ...(u?.email ? { email: u.email } : {}),
    severity: u?.severity ?? 0,
  };
}

export function iso(d: Date): string {
  return d.toISOString();
}
