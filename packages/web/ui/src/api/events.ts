import { useEffect, useRef, useState } from 'preact/hooks';
import type { Interval, Run, Session } from './types.ts';

export type Connection = 'connecting' | 'live' | 'reconnecting';

/** A record the tracker opened or closed, as `/api/v1/events` sends it: the record as it is now. */
export type Change =
  | { type: 'interval'; record: Interval }
  | { type: 'session'; record: Session }
  | { type: 'run'; record: Run };

const CHANGES = ['interval', 'session', 'run'] as const;

interface LiveState {
  connection: Connection;
  /** The last error the stream itself reported (a tracker or store failure). */
  problem: string | undefined;
}

/**
 * A change, or `null` after a dropped connection came back: what was written meanwhile may not be told
 * (no Last-Event-ID when nothing had come yet, or a server started again), so pages read everything.
 */
type ChangeListener = (change: Change | null) => void;

/**
 * The one connection to `/api/v1/events` that every page shares: opened when the first listener
 * comes, closed when the last leaves. The browser's EventSource reconnects by itself, with
 * Last-Event-ID, and the server then tells what was missed since; since that cannot cover every
 * outage, listeners are told to read again once the stream is back.
 */
class LiveStream {
  private source: EventSource | undefined;
  private dropped = false;
  private readonly changeListeners = new Set<ChangeListener>();
  private readonly stateListeners = new Set<(state: LiveState) => void>();
  state: LiveState = { connection: 'connecting', problem: undefined };

  onChange(listener: ChangeListener): () => void {
    return this.listen(this.changeListeners, listener);
  }

  onState(listener: (state: LiveState) => void): () => void {
    return this.listen(this.stateListeners, listener);
  }

  /** Adds a listener (opening the stream); returns its removal (closing the stream after the last). */
  private listen<T>(listeners: Set<T>, listener: T): () => void {
    listeners.add(listener);
    this.open();
    return () => {
      listeners.delete(listener);
      this.closeIfUnused();
    };
  }

  private open() {
    if (this.source) return;
    const source = new EventSource('/api/v1/events');
    this.source = source;
    const live = () => this.set({ connection: 'live' });
    source.addEventListener('open', live);
    source.addEventListener('ready', () => {
      live();
      // Back after a drop: whatever the server could replay came before `ready`; read everything.
      if (this.dropped) {
        this.dropped = false;
        for (const listener of this.changeListeners) listener(null);
      }
    });
    // The stream's own `error` events carry data; the browser's (a dropped connection) do not.
    source.addEventListener('error', (event) => {
      if (event instanceof MessageEvent) this.set({ problem: messageOf(event.data) });
      else {
        this.dropped = true;
        this.set({ connection: 'reconnecting' });
      }
    });
    for (const type of CHANGES) {
      source.addEventListener(type, (event) => {
        const record = parse((event as MessageEvent).data);
        if (!record) return;
        const change = { type, record } as Change;
        for (const listener of this.changeListeners) listener(change);
      });
    }
  }

  private closeIfUnused() {
    if (this.changeListeners.size > 0 || this.stateListeners.size > 0) return;
    this.source?.close();
    this.source = undefined;
    this.dropped = false;
    this.state = { connection: 'connecting', problem: undefined };
  }

  private set(changes: Partial<LiveState>) {
    this.state = { ...this.state, ...changes };
    for (const listener of this.stateListeners) listener(this.state);
  }
}

const stream = new LiveStream();

/** Whether the pages are following the tracker's writes, and the last failure it reported. */
export function useConnection(): LiveState {
  const [state, setState] = useState(stream.state);
  useEffect(() => stream.onState(setState), []);
  return state;
}

/** A poll writes many changes at once: one read after the burst, not one per change. */
const BURST_MS = 200;

/**
 * A number that moves on once after each burst of changes for which `touches` is true, and when the
 * stream is back after a drop: pass it to `useJson` as its version, and the page reads again what it
 * shows when the tracker wrote something it shows. `touches` may change at every render; the latest
 * one is asked.
 */
export function useChanges(touches: (change: Change) => boolean): number {
  const [version, setVersion] = useState(0);
  const latest = useRef(touches);
  latest.current = touches;
  useEffect(() => {
    let pending: ReturnType<typeof setTimeout> | undefined;
    const stop = stream.onChange((change) => {
      if (change !== null && !latest.current(change)) return;
      pending ??= setTimeout(() => {
        pending = undefined;
        setVersion((n) => n + 1);
      }, BURST_MS);
    });
    return () => {
      clearTimeout(pending);
      stop();
    };
  }, []);
  return version;
}

/** Whether a record (open ones run on) overlaps `[from, to)`. */
export function overlaps(
  record: { startedAt: string; endedAt: string | null },
  from: Date,
  to: Date,
): boolean {
  return (
    Date.parse(record.startedAt) < to.getTime() &&
    (record.endedAt === null || Date.parse(record.endedAt) > from.getTime())
  );
}

function parse(data: unknown): Change['record'] | undefined {
  try {
    const record = JSON.parse(String(data)) as Change['record'];
    return typeof record === 'object' && record !== null && typeof record.startedAt === 'string'
      ? record
      : undefined;
  } catch {
    return undefined;
  }
}

function messageOf(data: unknown): string {
  try {
    const parsed = JSON.parse(String(data)) as { message?: unknown };
    return typeof parsed.message === 'string' ? parsed.message : 'the tracker reported an error';
  } catch {
    return 'the tracker reported an error';
  }
}
