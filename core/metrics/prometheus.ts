import { Counter, Gauge, Registry } from 'prom-client';
import { BucketHistogram, type Histogram } from './histogram.js';
import type { CounterSample } from './metrics.js';
import { counterHelp } from './catalog.js';

/** Every metric is exported under this prefix: `messages_total` is `nekomata_messages_total`. */
export const METRIC_PREFIX = 'nekomata_';

export interface HistogramSpec<L extends string> {
  help: string;
  labelNames?: readonly L[];
  /** Upper bounds; default: prom-client's (5 ms … 10 s), suited to seconds. */
  buckets?: number[];
}

export interface GaugeSpec {
  help: string;
  labelNames?: readonly string[];
  /** The value now: one number, or one per label set. */
  collect(): number | { labels: Record<string, string>; value: number }[] | Promise<number | { labels: Record<string, string>; value: number }[]>;
}

/**
 * The Prometheus side of `Metrics`: a prom-client registry holding the histograms and gauges, and one
 * prom-client counter per counter name whose value is read from `Metrics` at scrape time (the counter's one
 * owner). A counter name seen with a new set of label names is registered again with the union.
 */
export class PrometheusExport {
  readonly registry = new Registry();
  private readonly counters = new Map<string, { metric: Counter; labelNames: string }>();
  private readonly histograms = new Map<string, BucketHistogram<string>>();

  constructor(private readonly samples: () => Iterable<CounterSample>) {}

  histogram<L extends string>(name: string, spec: HistogramSpec<L>): Histogram<L> {
    let h = this.histograms.get(name);
    if (!h) {
      h = new BucketHistogram<string>(METRIC_PREFIX + name, spec.help, [...(spec.labelNames ?? [])], spec.buckets);
      this.registry.registerMetric(h as unknown as Parameters<Registry['registerMetric']>[0]);
      this.histograms.set(name, h);
    }
    return h as Histogram<L>;
  }

  gauge(name: string, spec: GaugeSpec): () => void {
    const full = METRIC_PREFIX + name;
    this.registry.removeSingleMetric(full);
    const gauge: Gauge = new Gauge({
      name: full,
      help: spec.help,
      labelNames: [...(spec.labelNames ?? [])],
      registers: [this.registry],
      async collect() {
        const value = await spec.collect();
        gauge.reset();
        if (typeof value === 'number') gauge.set(value);
        else for (const v of value) gauge.set(v.labels, v.value);
      },
    });
    return () => {
      if (this.registry.getSingleMetric(full) === gauge) this.registry.removeSingleMetric(full);
    };
  }

  async render(): Promise<{ text: string; contentType: string }> {
    this.syncCounters();
    return { text: await this.registry.metrics(), contentType: this.registry.contentType };
  }

  private syncCounters(): void {
    const byName = new Map<string, { labelNames: Set<string>; samples: CounterSample[] }>();
    for (const s of this.samples()) {
      let group = byName.get(s.name);
      if (!group) byName.set(s.name, (group = { labelNames: new Set(), samples: [] }));
      for (const k of Object.keys(s.labels)) group.labelNames.add(k);
      group.samples.push(s);
    }
    for (const [name, group] of byName) {
      const labelNames = [...group.labelNames].sort();
      const known = this.counters.get(name);
      if (known?.labelNames === labelNames.join(',')) continue;
      const full = METRIC_PREFIX + name;
      if (known) this.registry.removeSingleMetric(full);
      const samples = this.samples;
      const metric: Counter = new Counter({
        name: full,
        help: counterHelp(name),
        labelNames,
        registers: [this.registry],
        collect() {
          metric.reset();
          for (const s of samples()) if (s.name === name) metric.inc(s.labels, s.value);
        },
      });
      this.counters.set(name, { metric, labelNames: labelNames.join(',') });
    }
  }
}
