import { Histogram as PromHistogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { Metrics } from '../../core/metrics/index.js';
import { BucketHistogram } from '../../core/metrics/histogram.js';

/** The same observations through prom-client's own histogram and ours, each in a registry of its own. */
function both(labelNames: string[], buckets?: number[]) {
  const theirs = new Registry();
  const ours = new Registry();
  const prom = new PromHistogram({ name: 'h_seconds', help: 'a histogram', labelNames, registers: [theirs], ...(buckets ? { buckets } : {}) });
  const bucket = new BucketHistogram('h_seconds', 'a histogram', labelNames, buckets);
  ours.registerMetric(bucket as unknown as Parameters<Registry['registerMetric']>[0]);
  return { prom, bucket, theirs, ours };
}

describe('BucketHistogram', () => {
  it('exports what prom-client exports for the same observations, text and JSON', async () => {
    const { prom, bucket, theirs, ours } = both(['command', 'outcome'], [0.001, 0.01, 0.1, 1]);
    const values = [0, 0.001, 0.0015, 0.05, 0.5, 1, 7, 0.01];
    const bound = bucket.labels({ command: 'echo', outcome: 'ok' });
    for (const v of values) {
      prom.labels({ command: 'echo', outcome: 'ok' }).observe(v);
      bound.observe(v);
      prom.observe({ outcome: 'error', command: 'roll' }, v * 2);
      bucket.observe({ outcome: 'error', command: 'roll' }, v * 2);
    }
    expect(await ours.metrics()).toBe(await theirs.metrics());
    expect(await ours.getMetricsAsJSON()).toEqual(await theirs.getMetricsAsJSON());
  });

  it('without labels and with the default buckets, as prom-client', async () => {
    const { prom, bucket, theirs, ours } = both([]);
    for (const v of [0.004, 0.2, 3, 11]) {
      prom.observe(v);
      bucket.observe(v);
    }
    expect(await ours.metrics()).toBe(await theirs.metrics());
    prom.reset();
    bucket.reset();
    expect(await ours.metrics()).toBe(await theirs.metrics());
  });

  it('refuses a label it was not given, a value that is not a finite number, and buckets out of order', () => {
    const h = new BucketHistogram('x_seconds', 'x', ['command']);
    expect(() => h.labels({ comand: 'echo' } as never)).toThrow('histogram x_seconds has no label "comand" (its labels: command)');
    expect(() => h.observe(Number.NaN)).toThrow('not a finite number');
    expect(() => new BucketHistogram('y', 'y', [], [1, 0.5])).toThrow('buckets must be finite and increasing');
  });

  it('is what Metrics.histogram gives, once per name, rendered with the other metrics', async () => {
    const metrics = new Metrics();
    const h = metrics.histogram('command_duration_seconds', { help: 'd', labelNames: ['command'], buckets: [0.1, 1] });
    expect(metrics.histogram('command_duration_seconds', { help: 'ignored' })).toBe(h);
    h.labels({ command: 'echo' }).observe(0.5);
    const text = (await metrics.render()).text;
    expect(text).toContain('nekomata_command_duration_seconds_bucket{le="1",command="echo"} 1');
    expect(text).toContain('nekomata_command_duration_seconds_count{command="echo"} 1');
  });
});
