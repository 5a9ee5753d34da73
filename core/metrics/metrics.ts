import type { Registry } from 'prom-client';
import type { Histogram } from './histogram.js';
import { PrometheusExport, type GaugeSpec, type HistogramSpec } from './prometheus.js';

export type Labels = Readonly<Record<string, string>>;

export interface CounterSample {
  name: string;
  labels: Labels;
  value: number;
}

/** A counter bound to one label set, for hot paths: no label hashing per increment. */
export interface Counter {
  inc(by?: number): void;
}

export type { Histogram, Observer } from './histogram.js';

/**
 * What the framework counts and measures (DESIGN §9: nothing is lost silently, everything is counted).
 *
 * Counters are owned here, as plain numbers: an increment on the hot path is a property add, and tests read
 * them synchronously (`get`). Prometheus (`/metrics`) reads them through prom-client at scrape time, never a
 * second copy. Histograms keep their own numbers too (BucketHistogram), registered in prom-client's registry;
 * gauges live there from the start.
 */
export class Metrics {
  private readonly counters = new Map<string, CounterSample>();
  private exported: PrometheusExport | undefined;

  /** Returns a handle on one counter; increments through it cost a property add. */
  counter(name: string, labels: Labels = {}): Counter {
    const id = sampleId(name, labels);
    let sample = this.counters.get(id);
    if (!sample) {
      sample = { name, labels, value: 0 };
      this.counters.set(id, sample);
    }
    const bound = sample;
    return { inc: (by = 1) => void (bound.value += by) };
  }

  /** Adds `by` (default 1) to the counter `name` with these labels. */
  count(name: string, labels: Labels = {}, by = 1): void {
    const id = sampleId(name, labels);
    const sample = this.counters.get(id);
    if (sample) sample.value += by;
    else this.counters.set(id, { name, labels, value: by });
  }

  /** Current value of one counter (0 when never counted). */
  get(name: string, labels: Labels = {}): number {
    return this.counters.get(sampleId(name, labels))?.value ?? 0;
  }

  /** Sum of a counter over every label set. */
  total(name: string): number {
    let sum = 0;
    for (const s of this.counters.values()) if (s.name === name) sum += s.value;
    return sum;
  }

  snapshot(): CounterSample[] {
    return [...this.counters.values()].map((s) => ({ ...s }));
  }

  /**
   * The histogram `name` (made on first use; later calls return the same one, whatever their spec). Bind a
   * label set once with `.labels({...})` on hot paths.
   * @example
   * const latency = metrics.histogram('llm_request_seconds', { help: 'LLM request time', labelNames: ['model'] });
   * latency.labels({ model }).observe(seconds);
   */
  histogram<L extends string>(name: string, spec: HistogramSpec<L>): Histogram<L> {
    return this.prometheus.histogram(name, spec);
  }

  /** A gauge read when Prometheus scrapes (`collect` gives its value now); replaces an earlier gauge of that name. */
  gauge(name: string, spec: GaugeSpec): () => void {
    return this.prometheus.gauge(name, spec);
  }

  /** Every counter, histogram and gauge in the Prometheus text format, and its content type. */
  render(): Promise<{ text: string; contentType: string }> {
    return this.prometheus.render();
  }

  /** The prom-client registry behind `render` (for adding process metrics of one's own). */
  get registry(): Registry {
    return this.prometheus.registry;
  }

  // Made on first use: most Metrics (one per standalone adapter, per test) are never scraped.
  private get prometheus(): PrometheusExport {
    return (this.exported ??= new PrometheusExport(() => this.counters.values()));
  }
}

function sampleId(name: string, labels: Labels): string {
  const keys = Object.keys(labels);
  if (keys.length === 0) return name;
  keys.sort();
  let id = name;
  for (const k of keys) id += `|${k}=${labels[k]}`;
  return id;
}
