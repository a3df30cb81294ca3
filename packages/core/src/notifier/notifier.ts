import type { TrackerEvent, TrackerEventType } from './events.ts';

/** Receives what the tracker reports: runs, sessions, long unavailability, errors. */
export interface Notifier {
  /** Unique among one tracker's notifiers; durable notifiers' outbox entries are filed under it. */
  readonly name: string;
  /** The event types wanted; all when absent. */
  readonly events?: readonly TrackerEventType[];
  /**
   * When true the event is written to the store's outbox in the same transaction as what caused it,
   * and delivered from there at least once, in order, surviving crashes and unreachable endpoints.
   */
  readonly durable?: boolean;
  /**
   * Delivers one event. Throwing (or rejecting) marks the attempt failed; durable notifiers are
   * retried after `retryDelay`.
   */
  deliver(event: TrackerEvent, context: DeliveryContext): Promise<void>;
  /**
   * For durable notifiers: how long to wait before attempt `attempt + 1` after `error`, or `null`
   * to give up on this event (it stays in the outbox, marked dead). Default: give up.
   */
  retryDelay?(attempt: number, error: unknown): number | null;
  /**
   * For durable notifiers: becomes true when the endpoint said it is gone for good (HTTP 410). The
   * dispatcher then gives up the notifier's pending entries and delivers nothing more to it in this
   * process.
   */
  readonly disabled?: boolean;
  close?(): Promise<void>;
}

export interface DeliveryContext {
  /** 1 for the first attempt. */
  attempt: number;
  /** Aborted when the tracker stops waiting for deliveries. */
  signal: AbortSignal;
}

export function wants(notifier: Notifier, type: TrackerEventType): boolean {
  return notifier.events === undefined || notifier.events.includes(type);
}
