import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { toError } from '../errors/index.js';
import type { Metrics } from '../metrics/index.js';
import { connectRedis, redactUrl, type RedisSettings } from '../redis/index.js';
import { clampLimit, matchesFilter } from './bus-filter.js';
import type { HistoryEntry } from '../store/index.js';
import { BUS_TOPICS, type BusInput, type BusRecord, type BusTopic, type BusTopicName, type MessageBus, type TopicOf } from './bus-types.js';
import { memoryInput, sentInput } from './history-topic.js';
import { Watchers } from './watchers.js';

type StreamEntry = [id: string, fields: string[]];
// Blocking reads return every so often, so that close() never waits long for the reader.
const BLOCK_MS = 1000;
// getRecent reads newest first in pages this long, until it has enough matches or the stream ends.
const PAGE = 256;

/**
 * The bus on Redis Streams (`REDIS_URL`): one stream per topic, `<prefix>:bus:<topic>`, capped with
 * `XADD MAXLEN ~ history`, so every process reads and watches one bus. Watchers of a process share one
 * blocking `XREAD` on a connection of their own, opened with the first watcher.
 */
export class RedisBus implements MessageBus {
  readonly description: string;
  private readonly redis: Redis;
  private reader: Redis | undefined;
  private readonly watchers: Watchers;
  private readonly topics = new Map<BusTopicName, BusTopic>();
  private readonly writes = new Set<Promise<unknown>>();
  private reading: Promise<void> | undefined;
  /** Per watched topic, the stream id the reader goes on from. */
  private readonly ids = new Map<BusTopicName, string>();
  private closed = false;

  constructor(
    private readonly opts: { redis: RedisSettings; history: number; log: Logger; metrics: Metrics },
  ) {
    this.description = `Redis Streams at ${redactUrl(opts.redis.url)}`;
    this.redis = connectRedis(opts.redis, 'command', opts.log, 'bus');
    this.watchers = new Watchers(opts);
    for (const name of BUS_TOPICS) this.topics.set(name, this.makeTopic(name));
  }

  topic<N extends BusTopicName>(name: N): TopicOf<N> {
    return this.topics.get(name)! as TopicOf<N>;
  }

  // Redis history has no order across chats to read `memory` from, and other processes watch it: a stream.
  recordHistory(entry: HistoryEntry): void {
    this.publish(this.key('memory'), 'memory', memoryInput(entry));
    if (entry.role === 'bot') this.publish(this.key('messages'), 'messages', sentInput(entry));
  }

  async flush(): Promise<void> {
    while (this.writes.size > 0) await Promise.allSettled([...this.writes]);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.flush();
    this.closed = true;
    this.watchers.clear();
    this.reader?.disconnect();
    await this.reading;
    await this.redis.quit().catch(() => this.redis.disconnect());
  }

  private key(name: BusTopicName): string {
    return `${this.opts.redis.prefix}:bus:${name}`;
  }

  private makeTopic(name: BusTopicName): BusTopic {
    const key = this.key(name);
    return {
      publish: (input) => this.publish(key, name, input),
      getRecent: async (query = {}) => {
        const limit = clampLimit(query.limit, this.opts.history);
        const out: BusRecord[] = [];
        let end = '+';
        for (let scanned = 0; out.length < limit && scanned < this.opts.history; scanned += PAGE) {
          const page = (await this.redis.call('XREVRANGE', key, end, '-', 'COUNT', PAGE)) as StreamEntry[];
          for (const entry of page) {
            const record = decode(name, entry);
            if (record && matchesFilter(record, query.filter)) out.push(record);
            if (out.length >= limit) break;
          }
          if (page.length < PAGE) break;
          end = `(${page[page.length - 1]![0]}`;
        }
        return out.reverse();
      },
      watch: (filter, fn) => {
        // A topic nobody watched yet (or any more) is read from now: its earlier records are getRecent's.
        // Stream ids are Redis's clock in ms; on another machine's clock a watch may see a few ms more or less.
        if (!this.watchers.has(name)) this.ids.set(name, `${Date.now()}-0`);
        const dispose = this.watchers.add(name, filter, fn);
        this.reading ??= this.read();
        return dispose;
      },
    };
  }

  private publish(key: string, name: BusTopicName, input: BusInput): void {
    if (this.closed) return;
    const { ts, ...rest } = input;
    const body = JSON.stringify({ ...rest, ts: ts ?? Date.now() });
    const write = this.redis.call('XADD', key, 'MAXLEN', '~', this.opts.history, '*', 'r', body).catch((err: unknown) => {
      // Lost, not retried: the bus is a window on what happened, never the only record of it.
      this.opts.metrics.count('bus_publish_errors_total', { topic: name });
      this.opts.log.warn({ err: toError(err), topic: name }, `a record for bus topic ${name} was lost: Redis refused it`);
    });
    this.writes.add(write);
    void write.finally(() => this.writes.delete(write));
  }

  /** Reads every watched topic and hands its records to the watchers. */
  private async read(): Promise<void> {
    const reader = (this.reader = connectRedis(this.opts.redis, 'blocking', this.opts.log, 'bus-reader'));
    const ids = this.ids;
    try {
      while (!this.closed) {
        const names = BUS_TOPICS.filter((n) => this.watchers.has(n));
        if (names.length === 0) {
          await new Promise((resolve) => setTimeout(resolve, 50));
          continue;
        }
        const args = [...names.map((n) => this.key(n)), ...names.map((n) => ids.get(n)!)];
        const got = await reader.call('XREAD', 'BLOCK', BLOCK_MS, 'STREAMS', ...args);
        for (const [key, entries] of streamsOf(got)) {
          const name = names.find((n) => this.key(n) === key)!;
          for (const entry of entries) {
            ids.set(name, entry[0]);
            const record = decode(name, entry);
            if (record) this.watchers.deliver(record);
          }
        }
      }
    } catch (err) {
      if (!this.closed) {
        this.opts.metrics.count('bus_reader_errors_total');
        this.opts.log.error({ err: toError(err) }, 'the Redis bus reader stopped; watchers get nothing more until a restart');
      }
    }
  }
}

/**
 * XREAD's reply as `[key, entries]` pairs: RESP2 gives a list of pairs, RESP3 a map, which ioredis hands over
 * as a flat `[key, entries, key, entries…]` list (or a Map).
 */
function streamsOf(reply: unknown): [string, StreamEntry[]][] {
  if (reply === null || reply === undefined) return [];
  if (reply instanceof Map) return [...(reply as Map<string, StreamEntry[]>)];
  const list = reply as unknown[];
  if (typeof list[0] !== 'string') return list as [string, StreamEntry[]][];
  const pairs: [string, StreamEntry[]][] = [];
  for (let i = 0; i + 1 < list.length; i += 2) pairs.push([list[i] as string, list[i + 1] as StreamEntry[]]);
  return pairs;
}

function decode(topic: BusTopicName, [id, fields]: StreamEntry): BusRecord | undefined {
  const i = fields.indexOf('r');
  if (i < 0 || fields[i + 1] === undefined) return undefined;
  try {
    const body = JSON.parse(fields[i + 1]!) as Omit<BusRecord, 'id' | 'topic'>;
    return { ...body, id, topic };
  } catch {
    return undefined;
  }
}
