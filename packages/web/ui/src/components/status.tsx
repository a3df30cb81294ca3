import type { Status } from '../api/types.ts';

export const STATUS_LABEL: Record<Status, string> = {
  available: 'Available',
  busy: 'Busy',
  dnd: 'Do not disturb',
  away: 'Away',
  offline: 'Offline',
  unknown: 'Unknown',
};

/** A status in words beside its colour, so colour is never the only sign. */
export function StatusBadge({ status }: { status: Status | null }) {
  const name = status ?? 'unobserved';
  return (
    <span class={`badge s-${name}`} data-status={name}>
      {status ? STATUS_LABEL[status] : 'Not observed'}
    </span>
  );
}
