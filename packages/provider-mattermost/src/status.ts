import type { UserStatus } from '@mattermost/types/users';
import type { PresenceSample, Status } from '@presence-tracker/core';

/** Mattermost's words for a status, onto core's. `ooo` (out of office) counts as away; the word is kept in `raw`. */
export const STATUS_MAP: Readonly<Record<string, Status>> = {
  online: 'available',
  away: 'away',
  dnd: 'dnd',
  offline: 'offline',
  ooo: 'away',
};

/**
 * One reading. `raw` keeps the server's fields as they came: `status`, `manual`,
 * `last_activity_at` (ms) and `dnd_end_time` (seconds, as Mattermost sends it).
 */
export function toSample(status: UserStatus, observedAt: Date): PresenceSample {
  const { user_id: userId, ...raw } = status;
  return {
    userId,
    status: STATUS_MAP[status.status] ?? 'unknown',
    observedAt,
    raw,
    source: 'poll',
  };
}
