import type { Status } from '../api/types.ts';

/** Each status in words, as the pages show it. */
export const STATUS_LABEL: Record<Status, string> = {
  available: 'Available',
  busy: 'Busy',
  dnd: 'Do not disturb',
  away: 'Away',
  offline: 'Offline',
  unknown: 'Unknown',
};
