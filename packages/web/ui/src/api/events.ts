import { useEffect, useState } from 'preact/hooks';

export type Connection = 'connecting' | 'live' | 'reconnecting';

/** The events of `/api/v1/events` that change what the store holds. */
const CHANGES = ['interval', 'session', 'run'] as const;
const BURST_MS = 200;

/**
 * Follows `/api/v1/events` and counts the changes that arrive, so a page can read its data again when
 * the tracker wrote something. The browser's EventSource reconnects by itself (with Last-Event-ID).
 */
export function useServerEvents(): { changes: number; connection: Connection; problem: string | undefined } {
  const [changes, setChanges] = useState(0);
  const [connection, setConnection] = useState<Connection>('connecting');
  const [problem, setProblem] = useState<string>();
  useEffect(() => {
    const source = new EventSource('/api/v1/events');
    // A poll writes many changes at once: one read after the burst, not one per change.
    let pending: ReturnType<typeof setTimeout> | undefined;
    const changed = () => {
      pending ??= setTimeout(() => {
        pending = undefined;
        setChanges((n) => n + 1);
      }, BURST_MS);
    };
    source.addEventListener('open', () => setConnection('live'));
    source.addEventListener('ready', () => setConnection('live'));
    // The stream's own `error` events carry data; the browser's (a dropped connection) do not.
    source.addEventListener('error', (event) => {
      if (event instanceof MessageEvent) setProblem(messageOf(event.data));
      else setConnection('reconnecting');
    });
    for (const type of CHANGES) source.addEventListener(type, changed);
    return () => {
      clearTimeout(pending);
      source.close();
    };
  }, []);
  return { changes, connection, problem };
}

function messageOf(data: unknown): string {
  try {
    const parsed = JSON.parse(String(data)) as { message?: unknown };
    return typeof parsed.message === 'string' ? parsed.message : 'the tracker reported an error';
  } catch {
    return 'the tracker reported an error';
  }
}
