import { randomUUID } from 'node:crypto';
import type { TrackerEvent, TrackerEventType } from '../model.ts';
import type { TrackerEventData } from './schemas.ts';

// The event types live in the model, so the store contract needs nothing from here.
export { TRACKER_EVENT_TYPES, type TrackerEvent, type TrackerEventType } from '../model.ts';

/** A new event with a fresh id; `data` is checked against its type's shape at compile time. */
export function createEvent<T extends TrackerEventType>(
  type: T,
  timestamp: Date,
  data: TrackerEventData[T],
): TrackerEvent<T> {
  return { id: `evt_${randomUUID()}`, type, timestamp, data };
}

/** The JSON body a webhook receives for `event`: `{ type, timestamp, data }`. */
export function eventBody(event: TrackerEvent): { type: TrackerEventType; timestamp: string; data: unknown } {
  return { type: event.type, timestamp: event.timestamp.toISOString(), data: event.data };
}
