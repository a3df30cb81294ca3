/** The events notifiers receive. Each has a stable id, so receivers can drop a repeated delivery. */
export const TRACKER_EVENT_TYPES = [
  'run.started',
  'run.ended',
  'session.started',
  'session.ended',
  'unavailable.long',
  'tracker.error',
] as const;

export type TrackerEventType = (typeof TRACKER_EVENT_TYPES)[number];

/**
 * One thing that happened, as notifiers deliver it. `data` is plain JSON (instants as ISO 8601
 * strings), exactly what a webhook receiver gets in the body's `data`.
 */
export interface TrackerEvent<T extends TrackerEventType = TrackerEventType> {
  /** Unique and stable across delivery attempts. */
  id: string;
  type: T;
  timestamp: Date;
  data: Record<string, unknown>;
}
