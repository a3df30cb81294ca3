import {
  PollCounters,
  type PollTotals,
  type PresenceStore,
  pollTotals,
  type Tracker,
} from '@presence-tracker/core';
import { Counter, collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import { TotalsHistogram } from './totals-histogram.ts';

/**
 * The Prometheus metrics, on a registry of this dashboard's own, all read at each scrape. Polls,
 * their duration, samples and errors come from the counters the tracker keeps in the store
 * (`capabilities.counters`), summed over its runs, so they hold whichever process tracks; with a
 * store that keeps none, from the tracker in this process. Open sessions, the last poll and the
 * outbox backlog are read from the store.
 */
export function createMetrics(options: {
  store: PresenceStore;
  tracker?: Tracker;
  notifiers: readonly string[];
  now: () => Date;
}): Registry {
  const { store } = options;
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const totals = pollTotalsSource(options);

  new Counter({
    name: 'presence_tracker_polls_total',
    help: 'Polls made by the tracker, by outcome.',
    labelNames: ['outcome'],
    registers: [registry],
    async collect() {
      const { polls } = await totals();
      this.reset();
      for (const [outcome, count] of Object.entries(polls)) this.inc({ outcome }, count);
    },
  });
  registry.registerMetric(
    new TotalsHistogram({
      name: 'presence_tracker_poll_duration_seconds',
      help: 'How long a poll took, from its start to its write in the store.',
      read: async () => (await totals()).seconds,
    }).metric,
  );
  const counter = (name: string, help: string, value: (t: PollTotals) => number) =>
    new Counter({
      name,
      help,
      registers: [registry],
      async collect() {
        const v = value(await totals());
        this.reset();
        this.inc(v);
      },
    });
  counter('presence_tracker_samples_total', 'Presence readings the tracker applied.', (t) => t.samples);
  counter(
    'presence_tracker_provider_errors_total',
    'Errors from the provider (platform) in the tracker.',
    (t) => t.providerErrors,
  );
  counter('presence_tracker_errors_total', 'Errors of any kind in the tracker.', (t) => t.errors);

  new Gauge({
    name: 'presence_tracker_open_sessions',
    help: 'Sessions open in the store now.',
    registers: [registry],
    async collect() {
      this.set((await store.openState()).sessions.length);
    },
  });
  new Gauge({
    name: 'presence_tracker_last_poll_timestamp_seconds',
    help: "The newest open run's last poll, as written in the store (0 when none).",
    registers: [registry],
    async collect() {
      const open = await store.openState({ userIds: [] });
      const last = Math.max(0, ...open.runs.map((r) => r.lastPollAt?.getTime() ?? 0));
      this.set(last / 1000);
    },
  });
  new Gauge({
    name: 'presence_tracker_outbox_backlog',
    help: 'Notifications waiting in the store for delivery, by notifier.',
    labelNames: ['notifier'],
    registers: [registry],
    async collect() {
      for (const notifier of options.notifiers) {
        this.set({ notifier }, (await store.outboxPending({ notifier, limit: 100_000 })).length);
      }
    },
  });
  return registry;
}

/**
 * Where the poll figures come from, read once per scrape however many metrics ask: the store's
 * counters when it keeps them, else a tally of the tracker in this process (or nothing at all).
 */
function pollTotalsSource(options: {
  store: PresenceStore;
  tracker?: Tracker;
  now: () => Date;
}): () => Promise<PollTotals> {
  const { store, tracker, now } = options;
  if (store.capabilities.counters && store.counters) {
    const read = store.counters.bind(store);
    let scrape: Promise<PollTotals> | null = null;
    // Every metric's collect() starts in the same tick of a scrape, so they share one read.
    return () => {
      scrape ??= read()
        .then(pollTotals)
        .finally(() => {
          scrape = null;
        });
      return scrape;
    };
  }
  const local = new PollCounters();
  tracker?.on('poll', (result) => local.poll(result, now().getTime() - result.at.getTime()));
  tracker?.on('error', (error) => local.error(error));
  return async () => pollTotals(local.peek());
}
