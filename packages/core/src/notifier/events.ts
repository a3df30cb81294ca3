import { randomUUID } from 'node:crypto';
import type { TrackerEventData } from './schemas.ts';

/** The events notifiers receive. Each has a stable id, so receivers can drop a repeated delivery. */
export const TRACKER_EVENT_TYPES = [
  'run.started',
  'run.ended',
  'session.started',
  'session.ended',
  'unavailable.long',
  'tracker.error',
  'tracker.recovered',
] as const;

export type TrackerEventType = (typeof TRACKER_EVENT_TYPES)[number];

/**
 * One thing that happened, as notifiers deliver it. `data` is plain JSON (instants as ISO 8601
 * strings), exactly what a webhook receiver gets in the body's `data`; its shape per type is
 * `TrackerEventData[type]`, checked by the schemas in `schemas.ts`.
 */
export interface TrackerEvent<T extends TrackerEventType = TrackerEventType> {
  /** Unique and stable across delivery attempts. */
  id: string;
  type: T;
  timestamp: Date;
  data: Record<string, unknown>;
}

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
