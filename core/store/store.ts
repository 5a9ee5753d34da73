import type { InboundMessage, Segment } from '../message/index.js';

/**
 * The state that must outlive a process, behind interfaces with two backends: SQLite (embedded default)
 * and Redis (for many processes). Both pass the same contract suites in `test/store/`.
 */

/** Address of one KV value. Missing scope parts mean "not scoped by that": `''` (Nekro's convention). */
export interface KVKey {
  /** `author.moduleName` of the owning plugin, or a reserved `__name__` for framework use. */
  pluginKey: string;
  chatKey?: string;
  userKey?: string;
  key: string;
}

export interface KVEntry {
  chatKey: string;
  userKey: string;
  key: string;
  value: string;
}

export interface KVListQuery {
  pluginKey: string;
  /** Only entries of this chat scope (`''` = global ones); omitted = every scope. */
  chatKey?: string;
  userKey?: string;
  /** Only keys starting with this. */
  prefix?: string;
}

/**
 * Key-value storage scoped by `(pluginKey, chatKey, userKey, key)`. Scopes are exact matches with no
 * fallback from one to another. Values are strings: callers serialise structured data themselves.
 */
export interface KVStore {
  get(k: KVKey): Promise<string | undefined>;
  /** Upsert. Resolves `true` when the key was created, `false` when an existing value was replaced. */
  set(k: KVKey, value: string): Promise<boolean>;
  /** Resolves `true` when a value was deleted, `false` when there was none. */
  delete(k: KVKey): Promise<boolean>;
  /** Entries ordered by chatKey, userKey, key. */
  list(q: KVListQuery): Promise<KVEntry[]>;
  /** Deletes every value of a plugin; resolves how many were removed. */
  clearPlugin(pluginKey: string): Promise<number>;
}

export type HistoryRole = 'user' | 'bot' | 'system';

/** One message of a chat's history, as prompts and the admin UI read it back. */
export interface HistoryEntry {
  chatKey: string;
  role: HistoryRole;
  messageId: string;
  userId: string;
  userName: string;
  segments: Segment[];
  /** Readable one-line rendering of the segments (see `describeSegments`). */
  text: string;
  /** ms since the epoch. */
  time: number;
}

/** A chat that has history: how much, and when it last had a message. */
export interface ChatSummary {
  chatKey: string;
  count: number;
  /** ms since the epoch of its newest entry. */
  lastTime: number;
}

/**
 * A chat's message history. `append` only queues: writes are grouped (SQLite: one transaction per 20 ms or
 * 256 entries; Redis: one pipeline per tick) so that recording history costs ingest almost nothing; readers
 * always see every appended entry.
 */
export interface HistoryStore {
  /** Queues `entry`; returns its number in the store's one order across chats when it keeps one (see `newest`). */
  append(entry: HistoryEntry): number | undefined;
  /** The newest `limit` entries of a chat, oldest first. */
  recent(chatKey: string, limit: number): Promise<HistoryEntry[]>;
  count(chatKey: string): Promise<number>;
  /** Deletes the chat's history; resolves how many entries were removed. */
  clear(chatKey: string): Promise<number>;
  /** Chats that have history, the most recently active first, at most `limit` (the admin API's chat list). */
  chats(limit: number): Promise<ChatSummary[]>;
  /** Resolves once every queued append is durable. */
  flush(): Promise<void>;
  /**
   * The newest entries numbered below `before` (all, without it), of one chat when `chatKey` is given, newest
   * first. Only a store with one order across chats has it (SQLite: the row id, given at `append`); the bus's
   * `memory` topic reads history here instead of keeping a copy. Redis keeps a list per chat and no such order.
   */
  newest?(query: { before?: number | undefined; chatKey?: string | undefined; limit: number }): Promise<NumberedEntry[]>;
}

/** A history entry and its number in the store's order across chats (increasing, never reused while running). */
export interface NumberedEntry {
  seq: number;
  entry: HistoryEntry;
}

/**
 * Messages that were buffered but not yet handled when the process had to stop: saved on shutdown and
 * handed back on the next start so that nothing is lost.
 */
export interface PendingMessageStore {
  save(messages: readonly InboundMessage[]): Promise<void>;
  /** Returns every saved message in save order and removes them. */
  takeAll(): Promise<InboundMessage[]>;
}

/** A pending `CmdCtl.wait` of one user in one chat, with its deadline. */
export interface WaitRecord {
  chatKey: string;
  userId: string;
  /** Tells this wait from a later one of the same user in the same chat. */
  id: string;
  /** ms since the epoch: from then on the wait is gone. */
  deadline: number;
  /** The wait itself, serialised by its owner (the command system). */
  data: string;
}

/**
 * Pending waits, at most one per (chat, user), shared by every process on the store: an answer that arrives
 * through any gateway takes the wait, and only one take succeeds. Expiry is judged the same way in both
 * backends: a wait whose `deadline` is not after `now` (the caller's clock, default `Date.now()`) is gone.
 */
export interface WaitStore {
  /** Stores a wait, replacing the user's earlier one in the chat. */
  put(wait: WaitRecord): Promise<void>;
  /** Removes and returns the user's wait in the chat; undefined when there is none or it has expired. */
  take(chatKey: string, userId: string, now?: number): Promise<WaitRecord | undefined>;
  /** Removes wait `id` if it is still stored, expired or not; resolves whether it was (its timeout is told once). */
  expire(chatKey: string, userId: string, id: string): Promise<boolean>;
  /** Removes every wait of a chat; resolves how many had not expired. */
  clearChat(chatKey: string, now?: number): Promise<number>;
  /** Every wait that has not expired. */
  list(now?: number): Promise<WaitRecord[]>;
}

export interface Store {
  /** What it is, for the start-up summary and the admin API: `SQLite at data/nekomata.db`, `Redis at redis://host:6379`. */
  readonly description: string;
  kv: KVStore;
  history: HistoryStore;
  pending: PendingMessageStore;
  waits: WaitStore;
  /** Resolves when the backend answers, rejects saying why not (`/readyz`); omitted when it lives in-process. */
  ping?(): Promise<void>;
  /** Flushes queued writes and releases the backend. Further calls fail with `ClosedError`. */
  close(): Promise<void>;
}
