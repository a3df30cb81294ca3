import type { PollTotals } from '@presence-tracker/core';
import type { Metric } from 'prom-client';

type Seconds = PollTotals['seconds'];

/**
 * A Prometheus histogram whose buckets, sum and count are read at each scrape, already counted
 * (the tracker's counters in the store), instead of observed one value at a time as prom-client's
 * `Histogram` does. `registry.registerMetric(histogram.metric)`: the registry asks a metric for no
 * more than its name and `get()`, though prom-client's types ask for all of `Histogram`'s methods.
 */
export class TotalsHistogram {
  readonly name: string;
  readonly help: string;
  readonly type = 'histogram' as const;
  readonly aggregator = 'sum' as const;
  private readonly read: () => Promise<Seconds>;

  constructor(options: { name: string; help: string; read: () => Promise<Seconds> }) {
    this.name = options.name;
    this.help = options.help;
    this.read = options.read;
  }

  get metric(): Metric {
    return this as unknown as Metric;
  }

  async get() {
    const { buckets, sum, count } = await this.read();
    const bucket = `${this.name}_bucket`;
    return {
      name: this.name,
      help: this.help,
      type: this.type,
      aggregator: this.aggregator,
      values: [
        ...buckets.map((b) => ({ metricName: bucket, labels: { le: b.le }, value: b.count })),
        { metricName: bucket, labels: { le: '+Inf' }, value: count },
        { metricName: `${this.name}_sum`, labels: {}, value: sum },
        { metricName: `${this.name}_count`, labels: {}, value: count },
      ],
    };
  }

  /** Nothing is kept here: the store holds the counts. */
  reset(): void {}
}
