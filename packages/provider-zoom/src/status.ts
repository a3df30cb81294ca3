import type { PresenceSample, Status } from '@presence-tracker/core';

/**
 * Every presence value Zoom documents, mapped to the model. `GET /users/{userId}/presence_status`
 * and the presence webhook spell some of them differently (`In_A_Zoom_Meeting` / `In_Meeting`,
 * `On_A_Call` / `On_Phone_Call`, and the update call's `Do_No_Disturb`); both spellings are here.
 * A value not listed becomes `unknown`, its words kept in `raw`.
 */
export const STATUS_MAP: Readonly<Record<string, Status>> = {
  Available: 'available',
  Away: 'away',
  Do_Not_Disturb: 'dnd',
  Do_No_Disturb: 'dnd',
  In_Meeting: 'busy',
  In_A_Zoom_Meeting: 'busy',
  Presenting: 'busy',
  On_Phone_Call: 'busy',
  On_A_Call: 'busy',
  In_Calendar_Event: 'busy',
  Busy: 'busy',
  Out_of_Office: 'away',
  Offline: 'offline',
};

export function toStatus(value: unknown): Status {
  return typeof value === 'string' && Object.hasOwn(STATUS_MAP, value) ? STATUS_MAP[value]! : 'unknown';
}

/** Zoom's answer as a reading; the answer is kept whole in `raw`. */
export function toSample(userId: string, answer: Record<string, unknown>, observedAt: Date): PresenceSample {
  return { userId, status: toStatus(answer.status), observedAt, raw: { ...answer }, source: 'poll' };
}
