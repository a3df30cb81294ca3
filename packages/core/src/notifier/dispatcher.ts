import type { Logger } from '../logger.ts';
import type { PresenceStore } from '../store/index.ts';
import type { TrackerEvent } from './events.ts';
import { type Notifier, wants } from './index.ts';

const BATCH = 50;

/**
 * Delivers events to notifiers. Durable notifiers are fed from the store's outbox, in order, one
 * entry at a time per notifier, with the notifier's own retry delays; the others get each event once,
 * right away. A notifier that throws or hangs never holds up tracking.
 */
export class Dispatcher {
  private readonly abort = new AbortController();
  private readonly loops = new Map<string, Promise<void>>();
  private readonly again = new Set<string>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly direct = new Set<Promise<void>>();
  private closed = false;

  private readonly store: PresenceStore;
  readonly notifiers: readonly Notifier[];
  private readonly logger: Logger;
  private readonly onError: (error: unknown, notifier: Notifier) => void;

  constructor(
    store: PresenceStore,
    notifiers: readonly Notifier[],
    logger: Logger,
    onError: (error: unknown, notifier: Notifier) => void,
  ) {
    this.store = store;
    this.notifiers = notifiers;
    this.logger = logger;
    this.onError = onError;
  }

  get durable(): Notifier[] {
    return this.notifiers.filter((n) => n.durable);
  }

  /** Outbox messages for the durable notifiers that want these events. */
  outboxFor(events: readonly TrackerEvent[]) {
    return this.durable.flatMap((n) =>
      events.filter((e) => wants(n, e.type)).map((event) => ({ notifier: n.name, event })),
    );
  }

  /** Hands events to the notifiers that are not durable, and wakes the durable ones. */
  dispatch(events: readonly TrackerEvent[]): void {
    if (this.closed) return;
    for (const n of this.notifiers) {
      if (n.durable) continue;
      for (const event of events) {
        if (!wants(n, event.type)) continue;
        const p = n
          .deliver(event, { attempt: 1, signal: this.abort.signal })
          .catch((error) => this.onError(error, n))
          .finally(() => this.direct.delete(p));
        this.direct.add(p);
      }
    }
    this.wake();
  }

  /** Starts (or restarts) delivery from the outbox for every durable notifier. */
  wake(): void {
    if (this.closed) return;
    for (const n of this.durable) {
      if (this.loops.has(n.name)) {
        this.again.add(n.name);
        continue;
      }
      clearTimeout(this.timers.get(n.name));
      this.timers.delete(n.name);
      const loop = this.drain(n).finally(() => {
        this.loops.delete(n.name);
        if (this.again.delete(n.name)) this.wake();
      });
      this.loops.set(n.name, loop);
    }
  }

  private async drain(n: Notifier): Promise<void> {
    while (!this.abort.signal.aborted) {
      let entries: Awaited<ReturnType<PresenceStore['outboxPending']>>;
      try {
        entries = await this.store.outboxPending({ notifier: n.name, limit: BATCH });
      } catch (error) {
        this.onError(error, n);
        return;
      }
      if (entries.length === 0) return;
      for (const entry of entries) {
        const due = entry.nextAttemptAt ? entry.nextAttemptAt.getTime() - Date.now() : 0;
        if (due > 0) {
          this.later(n, due);
          return;
        }
        const attempt = entry.attempts + 1;
        try {
          await n.deliver(entry.event, { attempt, signal: this.abort.signal });
          await this.store.outboxDelivered([entry.seq]);
        } catch (error) {
          if (this.abort.signal.aborted) return;
          const delay = n.retryDelay?.(attempt, error) ?? null;
          const message = error instanceof Error ? error.message : String(error);
          this.logger.warn(
            { notifier: n.name, event: entry.event.id, attempt, retryInMs: delay },
            delay === null ? 'notification given up' : 'notification failed, will retry',
          );
          await this.store
            .outboxFailed({
              seq: entry.seq,
              attempts: attempt,
              nextAttemptAt: delay === null ? null : new Date(Date.now() + delay),
              error: message,
            })
            .catch((e) => this.onError(e, n));
          if (delay === null) this.onError(error, n);
          // In order per notifier: nothing after a failed entry goes before it.
          if (delay !== null) {
            this.later(n, delay);
            return;
          }
        }
      }
    }
  }

  private later(n: Notifier, ms: number) {
    clearTimeout(this.timers.get(n.name));
    const timer = setTimeout(() => {
      this.timers.delete(n.name);
      this.wake();
    }, ms);
    timer.unref();
    this.timers.set(n.name, timer);
  }

  /** Whether anything is being delivered or waits for a retry. */
  get busy(): boolean {
    return this.loops.size > 0 || this.timers.size > 0 || this.direct.size > 0;
  }

  /**
   * Waits up to `timeout` for deliveries in flight and retries due within it; then gives up, leaving
   * what is undelivered in the outbox for the next start.
   */
  async close(timeout: number): Promise<void> {
    const deadline = Date.now() + timeout;
    while (this.busy && Date.now() < deadline) {
      const pending = [...this.loops.values(), ...this.direct];
      const left = deadline - Date.now();
      await Promise.race([Promise.allSettled(pending), sleep(pending.length > 0 ? left : Math.min(left, 50))]);
    }
    this.closed = true;
    this.abort.abort();
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    await Promise.allSettled([...this.loops.values()]);
  }
}

function sleep(ms: number) {
  return new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, ms)));
}
