import { type PresenceStore, ProviderError, type Tracker } from '@presence-tracker/core';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/**
 * The Prometheus metrics, on a registry of this dashboard's own. Polls, their duration, samples and
 * provider errors are counted from a tracker in this process; open sessions, the last poll and the
 * outbox backlog are read from the store at each scrape, so they hold whichever process writes it.
 */
export function createMetrics(options: {
  store: PresenceStore;
  tracker?: Tracker;
  notifiers: readonly string[];
  now: () => Date;
}): Registry {
  const { store, tracker, now } = options;
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });

  const polls = new Counter({
    name: 'presence_tracker_polls_total',
    help: 'Polls made by the tracker in this process, by outcome.',
    labelNames: ['outcome'],
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'presence_tracker_poll_duration_seconds',
    help: 'How long a poll took, from its start to its write in the store.',
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [registry],
  });
  const samples = new Counter({
    name: 'presence_tracker_samples_total',
    help: 'Presence readings applied by the tracker in this process.',
    registers: [registry],
  });
  const providerErrors = new Counter({
    name: 'presence_tracker_provider_errors_total',
    help: 'Errors from the provider (platform) in the tracker of this process.',
    registers: [registry],
  });
  const errors = new Counter({
    name: 'presence_tracker_errors_total',
    help: 'Errors of any kind in the tracker of this process.',
    registers: [registry],
  });
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

  if (tracker) {
    tracker.on('poll', (result) => {
      polls.inc({ outcome: result.skipped ?? 'ok' });
      samples.inc(result.samples);
      duration.observe(Math.max(0, now().getTime() - result.at.getTime()) / 1000);
    });
    tracker.on('error', (error) => {
      errors.inc();
      if (ProviderError.isInstance(error)) providerErrors.inc();
    });
  }
  return registry;
}
