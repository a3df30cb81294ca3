import type { PresenceStore, Status, Tracker } from '@presence-tracker/core';

export interface DashboardOptions {
  /** Where presence is read from; opened read-only by the command. */
  store: PresenceStore;
  /** A tracker running in this process: its errors and polls reach `/api/v1/events` and `/metrics` at once. */
  tracker?: Tracker;
  /**
   * When set, every page and API request needs it (`Authorization: Bearer`, or the cookie the login
   * form sets), except `/healthz`. Without it, only requests addressed to a loopback name
   * (`localhost`, 127.0.0.0/8, `[::1]`) are answered, the rest with 403.
   */
  token?: string;
  /** The zone in which days are read when a request names none. Default: `UTC`. */
  timeZone?: string;
  /** The range a request without `from` covers: the last `days` local days, today included. Default: 1. */
  days?: number;
  /** Statuses in which a person counts as reachable, and as available in the report and its CSV. Default: `['available']`. */
  availableStatuses?: readonly Status[];
  /** The durable notifiers' names, whose outbox backlog `/metrics` shows. */
  notifiers?: readonly string[];
  /** The folder of the built pages. Default: this package's `dist/ui`. */
  uiDir?: string;
  /** The clock seam. Default: the system clock. */
  now?: () => Date;
  /** How often `/api/v1/events` reads the store for changes written by another process. Default: 1 s. */
  watchInterval?: number;
}
