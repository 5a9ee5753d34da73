import type { Disposer } from '../hooks/index.js';
import type { HistoryEntry } from '../store/index.js';

/**
 * The topics of the message bus (N.E.K.O's message plane stores): what plugins pushed and the bot sent,
 * entry calls and custom events, plugin lifecycle, runs, run exports, and chat history (read-only).
 */
export const BUS_TOPICS = ['messages', 'events', 'lifecycle', 'runs', 'exports', 'memory'] as const;
export type BusTopicName = (typeof BUS_TOPICS)[number];

/** One record on a topic. Every backend gives records the same shape, so filters work the same everywhere. */
export interface BusRecord {
  /** Increasing within its topic: a counter in process, the stream id on Redis. */
  id: string;
  topic: BusTopicName;
  /** ms since the epoch, when it was published. */
  ts: number;
  /** What kind of record: `text`, `entry_call`, `startup`, `succeeded`, `user`… (per topic). */
  type: string;
  /** The plugin it concerns (its key), when one does. */
  plugin?: string | undefined;
  /** The chat it concerns, when one does. */
  chat?: string | undefined;
  /** Readable text, which `filter.text` matches. */
  text?: string | undefined;
  /** The rest of the record, JSON-safe. */
  payload?: unknown;
}

/** What a publisher gives; the bus adds `id`, `topic` and (unless given) `ts`. */
export type BusInput = Omit<BusRecord, 'id' | 'topic' | 'ts'> & { ts?: number };

/** Which records a query or a watch wants; every given field must match. */
export interface BusFilter {
  plugin?: string;
  chat?: string;
  /** One type or any of several. */
  type?: string | readonly string[];
  /** Only records at or after this time (ms since the epoch). */
  since?: number;
  /** Only records at or before this time. */
  until?: number;
  /** A pattern the record's `text` must match (a string is a case-sensitive substring). */
  text?: RegExp | string;
}

export interface RecentQuery {
  /** How many of the newest matching records, returned oldest first. Default 50, at most the topic's history. */
  limit?: number;
  filter?: BusFilter;
}

/** Reading one topic: `bus.messages.getRecent({ limit: 10, filter: { chat } })`. */
export interface BusTopicReader {
  getRecent(query?: RecentQuery): Promise<BusRecord[]>;
  /**
   * Calls `fn` for every record published from now on that matches `filter` (by any process on a Redis bus).
   * A throwing `fn` is logged and counted; it never reaches the publisher. Returns how to stop watching.
   */
  watch(filter: BusFilter, fn: (record: BusRecord) => unknown): Disposer;
}

/** One topic, as the framework sees it: plugins get the reading half. */
export interface BusTopic extends BusTopicReader {
  publish(input: BusInput): void;
}

/** What `topic(name)` gives: `memory` is fed only by the history writer (`recordHistory`), so it has no `publish`. */
export type TopicOf<N extends BusTopicName> = N extends 'memory' ? BusTopicReader : BusTopic;

/** The message bus: a bounded history per topic, in process or on Redis Streams. */
export interface MessageBus {
  topic<N extends BusTopicName>(name: N): TopicOf<N>;
  /**
   * The history writer's feed (`ChatHistory`): `entry` on `memory`, and a `bot` entry, which is what the bot
   * sent, on `messages` as type `sent`. `seq` is the number the history store gave the entry, when it numbers them.
   */
  recordHistory(entry: HistoryEntry, seq: number | undefined): void;
  /** `in process` or `Redis Streams at …`, for the start-up summary. */
  readonly description: string;
  /** Resolves once every record published so far is readable by `getRecent` (Redis: written). */
  flush(): Promise<void>;
  close(): Promise<void>;
}

/** What plugins read: one reader per topic (`ctx.bus.memory.getRecent(…)`). */
export type BusView = { readonly [K in BusTopicName]: BusTopicReader };
