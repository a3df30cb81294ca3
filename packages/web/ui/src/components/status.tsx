import type { Status } from '../api/types.ts';
import { STATUS_LABEL } from './status-label.ts';

export { STATUS_LABEL };

/** A status in words beside its colour, so colour is never the only sign. */
export function StatusBadge({ status }: { status: Status | null }) {
  const name = status ?? 'unobserved';
  return (
    <span class={`badge s-${name}`} data-status={name}>
      {status ? STATUS_LABEL[status] : 'Not observed'}
    </span>
  );
}
