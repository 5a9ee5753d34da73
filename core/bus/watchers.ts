import type { Logger } from 'pino';
import { toError } from '../errors/index.js';
import type { Disposer } from '../hooks/index.js';
import type { Metrics } from '../metrics/index.js';
import { matchesFilter } from './bus-filter.js';
import type { BusFilter, BusRecord, BusTopicName } from './bus-types.js';

interface Watcher {
  filter: BusFilter;
  fn: (record: BusRecord) => unknown;
}

/** The watchers of each topic in this process, and how a record reaches them without harming the publisher. */
export class Watchers {
  private readonly byTopic = new Map<BusTopicName, Set<Watcher>>();

  constructor(private readonly deps: { log: Logger; metrics: Metrics }) {}

  add(topic: BusTopicName, filter: BusFilter, fn: (record: BusRecord) => unknown): Disposer {
    const watcher: Watcher = { filter, fn };
    let set = this.byTopic.get(topic);
    if (!set) this.byTopic.set(topic, (set = new Set()));
    set.add(watcher);
    return () => void set.delete(watcher);
  }

  has(topic: BusTopicName): boolean {
    return (this.byTopic.get(topic)?.size ?? 0) > 0;
  }

  get count(): number {
    let n = 0;
    for (const set of this.byTopic.values()) n += set.size;
    return n;
  }

  deliver(record: BusRecord): void {
    const set = this.byTopic.get(record.topic);
    if (!set) return;
    for (const w of set) {
      if (!matchesFilter(record, w.filter)) continue;
      try {
        const out = w.fn(record);
        if (out instanceof Promise) out.catch((err: unknown) => this.failed(record, err));
      } catch (err) {
        this.failed(record, err);
      }
    }
  }

  clear(): void {
    this.byTopic.clear();
  }

  private failed(record: BusRecord, err: unknown): void {
    this.deps.metrics.count('bus_watcher_errors_total', { topic: record.topic });
    this.deps.log.error({ err: toError(err), topic: record.topic }, `a watcher of bus topic ${record.topic} failed; the bus goes on`);
  }
}
