import type { Logger } from 'pino';
import type { Metrics } from '../metrics/index.js';
import { clampLimit, matchesFilter } from './bus-filter.js';
import { BUS_TOPICS, type BusRecord, type BusTopic, type BusTopicName, type MessageBus } from './bus-types.js';
import { Watchers } from './watchers.js';

/**
 * The bus of one process (the default): each topic keeps its newest `history` records in memory, and
 * watchers are called as records are published.
 */
export class MemoryBus implements MessageBus {
  readonly description = 'in process';
  private readonly records = new Map<BusTopicName, BusRecord[]>();
  private readonly topics = new Map<BusTopicName, BusTopic>();
  private readonly watchers: Watchers;
  private seq = 0;

  constructor(
    private readonly history: number,
    deps: { log: Logger; metrics: Metrics },
  ) {
    this.watchers = new Watchers(deps);
    for (const name of BUS_TOPICS) {
      this.records.set(name, []);
      this.topics.set(name, this.makeTopic(name));
    }
  }

  topic(name: BusTopicName): BusTopic {
    return this.topics.get(name)!;
  }

  flush(): Promise<void> {
    return Promise.resolve();
  }

  close(): Promise<void> {
    this.watchers.clear();
    return Promise.resolve();
  }

  private makeTopic(name: BusTopicName): BusTopic {
    const list = this.records.get(name)!;
    // Trimmed in steps of an eighth: one splice per many publishes rather than a shift per publish.
    const slack = Math.max(1, Math.ceil(this.history / 8));
    return {
      publish: (input) => {
        const record: BusRecord = { ...input, id: String(++this.seq), topic: name, ts: input.ts ?? Date.now() };
        list.push(record);
        if (list.length >= this.history + slack) list.splice(0, list.length - this.history);
        this.watchers.deliver(record);
      },
      getRecent: (query = {}) => {
        const limit = clampLimit(query.limit, this.history);
        const out: BusRecord[] = [];
        const floor = Math.max(0, list.length - this.history);
        for (let i = list.length - 1; i >= floor && out.length < limit; i--) {
          if (matchesFilter(list[i]!, query.filter)) out.push(list[i]!);
        }
        return Promise.resolve(out.reverse());
      },
      watch: (filter, fn) => this.watchers.add(name, filter, fn),
    };
  }
}
