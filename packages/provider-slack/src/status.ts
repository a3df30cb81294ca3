import type { Status } from '@presence-tracker/core';

/** One user's entry in `dnd.teamInfo`: instants in Unix seconds. */
export interface DndInfo {
  dnd_enabled?: boolean;
  next_dnd_start_ts?: number;
  next_dnd_end_ts?: number;
  snooze_enabled?: boolean;
  snooze_endtime?: number;
}

/** What is known of one person at one instant: Slack's words, before mapping. */
export interface SlackReading {
  /** `users.getPresence`'s `presence`: `active` or `away` (open: Slack may add words). */
  presence: string;
  /** The account is deleted (`deleted: true` on the user object). */
  deleted?: boolean;
  dnd?: DndInfo;
}

/**
 * Do-not-disturb is on at `now` when it is enabled and `now` falls inside the scheduled window
 * (`next_dnd_start_ts` to `next_dnd_end_ts`), or inside a snooze (until `snooze_endtime`).
 */
export function dndActive(dnd: DndInfo | undefined, now: Date): boolean {
  if (!dnd) return false;
  const t = now.getTime() / 1000;
  if (dnd.snooze_enabled && dnd.snooze_endtime !== undefined && t < dnd.snooze_endtime) return true;
  if (!dnd.dnd_enabled) return false;
  const start = dnd.next_dnd_start_ts;
  const end = dnd.next_dnd_end_ts;
  return start !== undefined && end !== undefined && start <= t && t < end;
}

/**
 * Slack's words as a model status; the README's table, row by row. A deleted account is `unknown`
 * whatever else is said; do-not-disturb on now is `dnd`; then `active` and `away`. A word Slack may add
 * one day is `unknown`, and stays in `raw`.
 */
export function toStatus(reading: SlackReading, now: Date): Status {
  if (reading.deleted) return 'unknown';
  if (dndActive(reading.dnd, now)) return 'dnd';
  switch (reading.presence) {
    case 'active':
      return 'available';
    case 'away':
      return 'away';
    default:
      return 'unknown';
  }
}
