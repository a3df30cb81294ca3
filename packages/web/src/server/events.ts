import type { PresenceStore, StoreChanges, Tracker } from '@presence-tracker/core';
import type { Context } from 'hono';
import { type SSEMessage, streamSSE } from 'hono/streaming';

/** One message of `/api/v1/events`: its event name and JSON data, with the cursor it was read at. */
export interface LiveEvent {
  event: 'interval' | 'session' | 'run' | 'error' | 'ready';
  data: unknown;
  id?: string;
}

type Listener = (events: readonly LiveEvent[]) => void;

const KEEP_ALIVE_MS = 15_000;

/**
 * What the tracker writes, as it is written, for every connected client: read from the store's
 * `changes()` after a cursor (so a tracker in another process writing the same store is heard), once
 * per `interval` while anyone listens, and at once after each poll of a tracker in this process.
 * A store without `changes()` gives what a tracker in this process says: its runs and errors.
 */
export class LiveFeed {
  private readonly listeners = new Set<Listener>();
  private cursor: string | null = null;
  private timer: NodeJS.Timeout | null = null;
  private reading: Promise<void> | null = null;
  private again = false;
  private failing = false;
  private closed = false;

  private readonly store: PresenceStore;
  private readonly interval: number;
  private readonly now: () => Date;

  constructor(store: PresenceStore, tracker: Tracker | undefined, interval: number, now: () => Date) {
    this.store = store;
    this.interval = interval;
    this.now = now;
    if (tracker) {
      tracker.on('poll', () => this.read());
      tracker.on('error', (error) => this.send([this.error(error)]));
      if (!store.changes) {
        tracker.on('run:start', (run) => this.send([{ event: 'run', data: run }]));
        tracker.on('run:end', (run) => this.send([{ event: 'run', data: run }]));
      }
    }
  }

  /** Adds a listener; the first one starts the reading. Returns its removal. */
  async listen(listener: Listener): Promise<() => void> {
    if (this.store.changes && this.cursor === null) {
      this.cursor = (await this.store.changes({ after: null })).cursor;
    }
    this.listeners.add(listener);
    this.schedule();
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0 && this.timer) {
        clearTimeout(this.timer);
        this.timer = null;
      }
    };
  }

  /** What was written after `cursor`, for a client that reconnects with `Last-Event-ID`. */
  async since(cursor: string): Promise<LiveEvent[]> {
    if (!this.store.changes) return [];
    return toEvents(await this.store.changes({ after: cursor }));
  }

  close() {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.listeners.clear();
  }

  private schedule() {
    if (this.closed || this.timer || this.listeners.size === 0 || !this.store.changes) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.read();
    }, this.interval);
  }

  /** Reads the changes once at a time; a read asked for meanwhile runs right after. */
  private read() {
    if (this.listeners.size === 0 || !this.store.changes || this.cursor === null) return;
    if (this.reading) {
      this.again = true;
      return;
    }
    this.reading = this.readOnce().finally(() => {
      this.reading = null;
      if (this.again) {
        this.again = false;
        this.read();
      } else this.schedule();
    });
  }

  private async readOnce() {
    try {
      const changes = await this.store.changes!({ after: this.cursor });
      this.cursor = changes.cursor;
      this.failing = false;
      this.send(toEvents(changes));
    } catch (error) {
      // Said once per outage, not at every read.
      if (!this.failing) this.send([this.error(error)]);
      this.failing = true;
    }
  }

  /**
   * An `error` event: the message and code, never a secret (store and tracker errors carry none). A
   * browser tells it from a dropped connection by its data (a `MessageEvent`).
   */
  error(error: unknown): LiveEvent {
    const code = (error as { code?: unknown }).code;
    return {
      event: 'error',
      data: {
        message: error instanceof Error ? error.message : String(error),
        ...(typeof code === 'string' && { code }),
        at: this.now().toISOString(),
      },
    };
  }

  private send(events: readonly LiveEvent[]) {
    if (events.length === 0) return;
    for (const listener of this.listeners) listener(events);
  }
}

/** A batch of changes as events, each carrying the batch's cursor as its id. */
function toEvents(changes: StoreChanges): LiveEvent[] {
  const id = changes.cursor;
  return [
    ...changes.runs.map((data): LiveEvent => ({ event: 'run', data, id })),
    ...changes.intervals.map((data): LiveEvent => ({ event: 'interval', data, id })),
    ...changes.sessions.map((data): LiveEvent => ({ event: 'session', data, id })),
  ];
}

const message = (e: LiveEvent): SSEMessage => ({
  event: e.event,
  data: JSON.stringify(e.data),
  ...(e.id !== undefined && { id: e.id }),
});

/** `GET /api/v1/events`: a `ready` event, what was missed since `Last-Event-ID`, then the feed. */
export function eventStream(c: Context, feed: LiveFeed) {
  const lastId = c.req.header('last-event-id');
  return streamSSE(c, async (stream) => {
    let queue = Promise.resolve();
    const write = (events: readonly LiveEvent[]) => {
      queue = queue.then(async () => {
        for (const e of events) await stream.writeSSE(message(e));
      });
      queue = queue.catch(() => {});
    };
    const stop = await feed.listen(write);
    const ended = new Promise<void>((resolve) => stream.onAbort(resolve));
    try {
      if (lastId) write(await feed.since(lastId).catch((error: unknown) => [feed.error(error)]));
      write([{ event: 'ready', data: {} }]);
      const keepAlive = setInterval(() => {
        queue = queue
          .then(() => stream.write(': keep-alive\n\n'))
          .then(
            () => {},
            () => {},
          );
      }, KEEP_ALIVE_MS);
      await ended;
      clearInterval(keepAlive);
    } finally {
      stop();
    }
  });
}
