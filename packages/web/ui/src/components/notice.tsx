import type { ComponentChildren } from 'preact';

/** Why a page has nothing to show: still loading, an error (in words), or no data in the range. */
export function Notice(props: {
  loading?: boolean;
  error?: Error | undefined;
  empty?: boolean;
  children?: ComponentChildren;
}) {
  if (props.error) {
    return (
      <p class="notice error" role="alert">
        Could not load: {props.error.message}
      </p>
    );
  }
  if (props.loading) {
    return (
      <p class="notice" role="status">
        Loading…
      </p>
    );
  }
  if (props.empty) return <p class="notice">{props.children}</p>;
  return null;
}
