import { NotifierError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import type { OutboxEntry, OutboxMessage, PresenceStore } from '../store/index.ts';
import { TRACKER_EVENT_TYPES, type TrackerEvent, type TrackerEventType } from './events.ts';
import { type Notifier, wants } from './notifier.ts';

const BATCH = 50;
/** How soon to look at the outbox again after the store failed to answer. */
const STORE_RETRY_MS = 5_000;
/** How long a stop waits for deliveries before it says so. */
const WAIT_NOTICE_MS = 1_000;
/** The most outbox entries counted for that message: it needs a size, not a census. */
const COUNT_LIMIT = 10_000;

/**
 * Delivers events to notifiers. Durable notifiers are fed from the store's outbox, in order, one
 * entry at a time per notifier, with the notifier's own retry delays; the others get each event once,
 * right away. A notifier that throws or hangs never holds up tracking: deliveries run beside the
 * polls, and `close` stops waiting for them after its timeout.
 */
export class Dispatcher {
  private readonly abort = new AbortController();
  private readonly loops = new Map<string, Promise<void>>();
  private readonly again = new Set<string>();
  private readonly timers = new Map<string, { timer: NodeJS.Timeout; due: number }>();
  private readonly direct = new Set<Promise<void>>();
  private readonly disabled = new Set<string>();
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

  /** The durable notifiers still delivering. */
  get durable(): Notifier[] {
    return this.notifiers.filter((n) => n.durable && !this.disabled.has(n.name));
  }

  /** The event types some notifier still delivering takes: events of other types need not be made. */
  wantedTypes(): Set<TrackerEventType> {
    const types = new Set<TrackerEventType>();
    for (const n of this.notifiers) {
      if (this.disabled.has(n.name)) continue;
      for (const type of n.events ?? TRACKER_EVENT_TYPES) types.add(type);
    }
    return types;
  }

  /** Outbox messages for the durable notifiers that want these events. */
  outboxFor(events: readonly TrackerEvent[]): OutboxMessage[] {
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
        // Through a promise, so a notifier that throws before returning one is caught too.
        const p = Promise.resolve()
          .then(() => n.deliver(event, { attempt: 1, signal: this.abort.signal }))
          .catch((error) => this.onError(error, n))
          .finally(() => this.direct.delete(p));
        this.direct.add(p);
      }
    }
    this.wake();
  }

  /** Starts (or restarts) delivery from the outbox for every durable notifier: leftovers included. */
  wake(): void {
    if (this.closed) return;
    for (const n of this.durable) {
      if (this.loops.has(n.name)) {
        this.again.add(n.name);
        continue;
      }
      clearTimeout(this.timers.get(n.name)?.timer);
      this.timers.delete(n.name);
      const loop = this.drain(n).finally(() => {
        this.loops.delete(n.name);
        if (this.again.delete(n.name)) this.wake();
      });
      this.loops.set(n.name, loop);
    }
  }

  private async drain(n: Notifier): Promise<void> {
    while (!this.abort.signal.aborted && !this.disabled.has(n.name)) {
      let entries: OutboxEntry[];
      try {
        entries = await this.store.outboxPending({ notifier: n.name, limit: BATCH });
      } catch (error) {
        this.onError(error, n);
        this.later(n, STORE_RETRY_MS);
        return;
      }
      if (entries.length === 0) return;
      for (const entry of entries) {
        // A first attempt is always due: the entry's time may come from a replayed clock.
        const wait =
          entry.attempts > 0 && entry.nextAttemptAt ? entry.nextAttemptAt.getTime() - Date.now() : 0;
        if (wait > 0) {
          this.later(n, wait);
          return;
        }
        const attempt = entry.attempts + 1;
        try {
          await this.abortable(() => n.deliver(entry.event, { attempt, signal: this.abort.signal }));
        } catch (error) {
          if (this.abort.signal.aborted) return;
          if (n.disabled) {
            await this.disable(n, entry, attempt, error);
            return;
          }
          const delay = this.retryDelay(n, attempt, error);
          const message = error instanceof Error ? error.message : String(error);
          this.logger.warn(
            { notifier: n.name, event: entry.event.id, attempt, retryInMs: delay, error: message },
            delay === null ? 'notification given up' : 'notification failed, will retry',
          );
          const recorded = await this.store
            .outboxFailed({
              seq: entry.seq,
              attempts: attempt,
              nextAttemptAt: delay === null ? null : new Date(Date.now() + delay),
              error: message,
            })
            .then(
              () => true,
              (e) => {
                this.onError(e, n);
                return false;
              },
            );
          if (delay === null) this.onError(error, n);
          // In order per notifier: nothing after a failed entry goes before it.
          if (delay !== null || !recorded) {
            this.later(n, recorded ? (delay ?? 0) : STORE_RETRY_MS);
            return;
          }
          continue;
        }
        try {
          await this.store.outboxDelivered([entry.seq]);
        } catch (error) {
          // Delivered but not marked: it goes out again later, which receivers dedupe by its id.
          this.onError(error, n);
          this.later(n, STORE_RETRY_MS);
          return;
        }
      }
    }
  }

  private retryDelay(n: Notifier, attempt: number, error: unknown): number | null {
    try {
      const delay = n.retryDelay?.(attempt, error) ?? null;
      return delay === null || !Number.isFinite(delay) ? null : Math.max(0, delay);
    } catch (e) {
      this.onError(e, n);
      return null;
    }
  }

  /** Runs a delivery that stops being waited for once the dispatcher is closed, even if it hangs. */
  private abortable(deliver: () => Promise<void>): Promise<void> {
    const signal = this.abort.signal;
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => reject(signal.reason);
      signal.addEventListener('abort', onAbort, { once: true });
      Promise.resolve()
        .then(deliver)
        .then(resolve, reject)
        .finally(() => signal.removeEventListener('abort', onAbort));
    });
  }

  /** The endpoint is gone: give up what waits for it, deliver nothing more to it, and say so. */
  private async disable(n: Notifier, entry: OutboxEntry, attempt: number, error: unknown) {
    this.disabled.add(n.name);
    clearTimeout(this.timers.get(n.name)?.timer);
    this.timers.delete(n.name);
    const message = error instanceof Error ? error.message : String(error);
    let givenUp = 0;
    try {
      await this.store.outboxFailed({
        seq: entry.seq,
        attempts: attempt,
        nextAttemptAt: null,
        error: message,
      });
      givenUp++;
      for (;;) {
        const rest = await this.store.outboxPending({ notifier: n.name, limit: BATCH });
        if (rest.length === 0) break;
        for (const e of rest) {
          await this.store.outboxFailed({
            seq: e.seq,
            attempts: e.attempts,
            nextAttemptAt: null,
            error: `not sent: notifier ${n.name} disabled`,
          });
          givenUp++;
        }
      }
    } catch (e) {
      this.onError(e, n);
    }
    this.logger.error({ notifier: n.name, givenUp }, 'notifier disabled: the endpoint is gone');
    this.onError(
      new NotifierError(
        n.name,
        `notifier ${n.name} disabled: ${message}; ${givenUp} pending event(s) given up`,
        {
          cause: error,
          details: { disabled: true, givenUp },
        },
      ),
      n,
    );
  }

  private later(n: Notifier, ms: number) {
    clearTimeout(this.timers.get(n.name)?.timer);
    const timer = setTimeout(() => {
      this.timers.delete(n.name);
      this.wake();
    }, ms);
    timer.unref();
    this.timers.set(n.name, { timer, due: Date.now() + ms });
  }

  /** Whether anything is being delivered, or waits for a retry due before `deadline`. */
  private busyUntil(deadline: number): boolean {
    if (this.loops.size > 0 || this.direct.size > 0) return true;
    for (const { due } of this.timers.values()) if (due < deadline) return true;
    return false;
  }

  /**
   * Waits up to `timeout` for deliveries in flight and retries due within it; then gives up, leaving
   * what is undelivered in the outbox for the next start.
   */
  async close(timeout: number): Promise<void> {
    const deadline = Date.now() + timeout;
    // A stop held up by a slow endpoint would otherwise look hung.
    const notice = setTimeout(
      () => {
        if (this.busyUntil(deadline)) this.sayWaiting(timeout).catch(() => {});
      },
      Math.min(WAIT_NOTICE_MS, timeout),
    );
    try {
      await this.waitUntil(deadline);
    } finally {
      clearTimeout(notice);
    }
    this.closed = true;
    this.abort.abort(new NotifierError('dispatcher', 'the tracker stopped waiting for deliveries'));
    for (const { timer } of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    await Promise.allSettled([...this.loops.values()]);
  }

  /** Logs how many events are still to be delivered, and how long the stop waits for them at most. */
  private async sayWaiting(timeout: number): Promise<void> {
    let pending = this.direct.size;
    for (const n of this.durable) {
      pending += (await this.store.outboxPending({ notifier: n.name, limit: COUNT_LIMIT })).length;
    }
    const notifiers = this.notifiers.filter((n) => !this.disabled.has(n.name)).map((n) => n.name);
    this.logger.info(
      { pending, notifiers, timeoutMs: timeout },
      `waiting up to ${timeout / 1000} s for ${pending} undelivered notification(s); what is left stays in the outbox for the next start`,
    );
  }

  private async waitUntil(deadline: number): Promise<void> {
    while (this.busyUntil(deadline) && Date.now() < deadline) {
      const pending = [...this.loops.values(), ...this.direct];
      const left = deadline - Date.now();
      // With nothing in flight only a retry timer is left: sleep, or this loop would starve it.
      if (pending.length === 0) await sleep(Math.min(left, 20));
      else {
        let timer: NodeJS.Timeout | undefined;
        const timeUp = new Promise<void>((resolve) => {
          timer = setTimeout(resolve, left);
        });
        await Promise.race([Promise.allSettled(pending), timeUp]);
        // A timer left running would keep the process alive until the deadline after stop() returned.
        clearTimeout(timer);
      }
    }
  }
}

function sleep(ms: number) {
  return new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, ms)));
}
