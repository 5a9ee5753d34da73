/**
 * Counters, histograms and gauges for what the framework does and drops (DESIGN §9), exported in the
 * Prometheus text format through prom-client (`/metrics`).
 */
export { Metrics, type Counter, type CounterSample, type Histogram, type Labels, type Observer } from './metrics.js';
export { METRIC_PREFIX, type GaugeSpec, type HistogramSpec } from './prometheus.js';
export { RepeatLog, type RepeatLogOptions } from './repeat-log.js';
