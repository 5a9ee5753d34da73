import type { Logger } from 'pino';
import type { Metrics } from '../metrics/index.js';
import type { HistoryEntry } from '../store/index.js';
import { clampLimit, matchesFilter } from './bus-filter.js';
import { BUS_TOPICS, type BusInput, type BusRecord, type BusTopic, type BusTopicName, type BusTopicReader, type MessageBus, type TopicOf } from './bus-types.js';
import { HistoryTopic, memoryInput, sentInput, type NumberedHistory } from './history-topic.js';
import { Watchers } from './watchers.js';

/**
 * The bus of one process (the default): each topic keeps its newest `history` records in memory, and
 * watchers are called as records are published. Given a history store that numbers its entries (SQLite),
 * `memory` keeps nothing and reads the store instead (`HistoryTopic`): chat history is already stored once.
 */
export class MemoryBus implements MessageBus {
  readonly description = 'in process';
  private readonly topics = new Map<BusTopicName, BusTopicReader>();
  /** The topics whose records this bus keeps: every one but `memory` over a numbering store. */
  private readonly kept = new Map<BusTopicName, BusTopic>();
  private readonly watchers: Watchers;
  private readonly memory: HistoryTopic | undefined;
  private seq = 0;

  constructor(
    private readonly history: number,
    deps: { log: Logger; metrics: Metrics; historyStore?: NumberedHistory | undefined },
  ) {
    this.watchers = new Watchers(deps);
    if (deps.historyStore) this.memory = new HistoryTopic(deps.historyStore, history, this.watchers);
    for (const name of BUS_TOPICS) {
      if (name === 'memory' && this.memory) {
        this.topics.set(name, this.memory.reader());
      } else {
        const topic = this.makeTopic(name);
        this.kept.set(name, topic);
        this.topics.set(name, topic);
      }
    }
  }

  topic<N extends BusTopicName>(name: N): TopicOf<N> {
    return this.topics.get(name)! as TopicOf<N>;
  }

  recordHistory(entry: HistoryEntry, seq: number | undefined): void {
    if (!this.memory) this.kept.get('memory')!.publish(memoryInput(entry));
    // A numbering store always gives a number; without one there is no id that reads back the same.
    else if (seq !== undefined) this.memory.recorded(entry, seq);
    if (entry.role === 'bot') this.kept.get('messages')!.publish(sentInput(entry));
  }

  flush(): Promise<void> {
    return Promise.resolve();
  }

  close(): Promise<void> {
    this.watchers.clear();
    return Promise.resolve();
  }

  private makeTopic(name: BusTopicName): BusTopic {
    const list: BusRecord[] = [];
    // Trimmed in steps of an eighth: one splice per many publishes rather than a shift per publish.
    const slack = Math.max(1, Math.ceil(this.history / 8));
    return {
      publish: (input) => {
        const record = recordOf(input, String(++this.seq), name);
        list.push(record);
        if (list.length >= this.history + slack) list.splice(0, list.length - this.history);
        if (this.watchers.has(name)) this.watchers.deliver(record);
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

// Field by field, every field present: one object shape for every record of every topic.
function recordOf(input: BusInput, id: string, topic: BusTopicName): BusRecord {
  return { id, topic, ts: input.ts ?? Date.now(), type: input.type, plugin: input.plugin, chat: input.chat, text: input.text, payload: input.payload };
}
