import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { RepeatLog } from '../metrics/index.js';
import { oncePerCallLua } from '../redis/index.js';
import type { RedisStoreContext } from './redis-store.js';
import type { ChatSummary, HistoryEntry, HistoryStore } from './store.js';

/** Entries kept per chat: older ones are trimmed away as new ones arrive. */
export const REDIS_HISTORY_PER_CHAT = 10_000;
/**
 * How far a chat's list may grow past REDIS_HISTORY_PER_CHAT before it is trimmed back: a trim with every
 * append was one Redis call in every fifteen a message cost a cluster (bench/redis-cost); now one per this many.
 */
export const REDIS_HISTORY_SLACK = 1_000;

/**
 * How long Redis remembers a writer's last write number: far longer than ioredis takes to send a write again
 * (it does so only on its first reconnection; after that the write fails and is counted as lost).
 */
const WRITER_TTL_MS = 3_600_000;
/** Most rows one RPUSH in the script takes (Lua's `unpack` is bounded by its stack). */
const ROWS_PER_RPUSH = 1000;

/**
 * append: KEYS the writer's key (`<prefix>:history-writes:<writer>`); ARGV the lists' key prefix
 * (`<prefix>:history:`), the write's number, then per chat chatKey, row count, rows → {} when this writer's
 * write of that number (or a later one) already ran: ioredis sends a command again when the connection dropped
 * before its reply, and Redis may have run it the first time. Else one entry per chat: the list's length, or
 * the error text of its RPUSH (that chat's rows are not stored; the others are).
 */
const APPEND = `${oncePerCallLua('KEYS[1]', 'ARGV[2]', WRITER_TTL_MS)}
local out = {}
local i = 3
while i <= #ARGV do
  local key, k = ARGV[1] .. ARGV[i], tonumber(ARGV[i + 1])
  local len
  for first = 0, k - 1, ${ROWS_PER_RPUSH} do
    len = redis.pcall('RPUSH', key, unpack(ARGV, i + 2 + first, i + 1 + math.min(first + ${ROWS_PER_RPUSH}, k)))
    if type(len) == 'table' then break end
  end
  if type(len) == 'table' then out[#out + 1] = tostring(len.err or len) else out[#out + 1] = len end
  i = i + 2 + k
end
return out
`;

type AppendRedis = Redis & { nkHistoryAppend(writer: string, listPrefix: string, n: number, ...chats: (string | number)[]): Promise<(number | string)[]> };

/**
 * `HistoryStore` on one list per chat, `<prefix>:history:<chatKey>`, of JSON entries oldest first, trimmed to
 * the newest `REDIS_HISTORY_PER_CHAT` whenever it passes that by `REDIS_HISTORY_SLACK`. Appends wait in memory
 * until the next turn of the event loop and are then written in one script call (an RPUSH per chat; the LTRIMs
 * that lengths call for follow in a pipeline): one round trip per tick instead of one per message. (The SQLite store waits longer, up to 20 ms: its cost is per transaction, a round trip's here.)
 * Each call is numbered by its writer, so that a call ioredis sends again after its reply was lost is not
 * stored twice (`<prefix>:history-writes:<writer>` keeps the writer's last number for an hour).
 *
 * A write that fails is not retried (Redis is down or the key is damaged, and a retry would pile up memory):
 * the entries are dropped, logged and counted in `writeErrors` / `droppedEntries` so that monitoring sees it.
 */
export class RedisHistory implements HistoryStore {
  /** Failed writes: a whole batch, one chat's part of a batch, or one entry that could not be serialised. */
  writeErrors = 0;
  /** History entries lost to those failures. */
  droppedEntries = 0;

  private queue: HistoryEntry[] = [];
  private scheduled: NodeJS.Immediate | undefined;
  private readonly inFlight = new Set<Promise<void>>();

  /** A Redis outage fails every chat's write each tick: one line per kind of failure a minute, not one per chat. */
  private readonly failures: RepeatLog;

  private readonly redis: AppendRedis;
  private readonly writerKey: string;
  private writes = 0;

  constructor(private readonly ctx: RedisStoreContext) {
    this.failures = new RepeatLog(ctx.log, 'history writes failed');
    this.redis = ctx.redis as AppendRedis;
    this.redis.defineCommand('nkHistoryAppend', { numberOfKeys: 1, lua: APPEND });
    this.writerKey = `${ctx.prefix}:history-writes:${randomUUID()}`;
  }

  /** Returns undefined: lists per chat have no order across chats (no `newest`; the Redis bus keeps a stream). */
  append(entry: HistoryEntry): undefined {
    this.ctx.assertOpen();
    this.queue.push(entry);
    this.scheduled ??= setImmediate(() => void this.writeQueue());
    return undefined;
  }

  async recent(chatKey: string, limit: number): Promise<HistoryEntry[]> {
    this.ctx.assertOpen();
    await this.writeQueue();
    if (!(limit > 0)) return [];
    const n = Math.min(Math.floor(limit), Number.MAX_SAFE_INTEGER);
    const rows = await this.ctx.redis.lrange(this.listKey(chatKey), -n, -1);
    // Written by writeQueue from HistoryEntry values; the list is ours, so no second validation on the way out.
    return rows.map((row) => JSON.parse(row) as HistoryEntry);
  }

  async count(chatKey: string): Promise<number> {
    this.ctx.assertOpen();
    await this.writeQueue();
    return this.ctx.redis.llen(this.listKey(chatKey));
  }

  async clear(chatKey: string): Promise<number> {
    this.ctx.assertOpen();
    await this.writeQueue();
    const key = this.listKey(chatKey);
    const [removed] = await this.ctx.exec(this.ctx.redis.multi().llen(key).del(key));
    return removed as number;
  }

  /** Scans this prefix's history lists (the admin API asks now and then; nothing on the message path does). */
  async chats(limit: number): Promise<ChatSummary[]> {
    this.ctx.assertOpen();
    await this.writeQueue();
    if (!(limit > 0)) return [];
    const prefix = this.listKey('');
    const keys: string[] = [];
    for await (const batch of this.ctx.redis.scanStream({ match: `${prefix}*`, count: 500 }) as AsyncIterable<string[]>) keys.push(...batch);
    const pipeline = this.ctx.redis.pipeline();
    for (const key of keys) pipeline.llen(key).lindex(key, -1);
    const replies = (await pipeline.exec()) ?? [];
    const out: ChatSummary[] = keys.map((key, i) => {
      const last = replies[i * 2 + 1]?.[1] as string | null | undefined;
      return { chatKey: key.slice(prefix.length), count: Number(replies[i * 2]?.[1] ?? 0), lastTime: last ? (JSON.parse(last) as HistoryEntry).time : 0 };
    });
    return out.filter((c) => c.count > 0).sort((a, b) => b.lastTime - a.lastTime).slice(0, Math.floor(limit));
  }

  async flush(): Promise<void> {
    this.ctx.assertOpen();
    await this.writeQueue();
  }

  /**
   * Sends everything queued so far and resolves once every write sent until now has finished.
   * Never rejects: it runs from a timer, where a rejection would crash the process.
   */
  writeQueue(): Promise<void> {
    if (this.scheduled) {
      clearImmediate(this.scheduled);
      this.scheduled = undefined;
    }
    if (this.queue.length > 0) {
      const entries = this.queue;
      this.queue = [];
      const byChat = this.serialise(entries);
      if (byChat.size > 0) {
        const write = this.send(byChat);
        this.inFlight.add(write);
        void write.then(() => this.inFlight.delete(write));
      }
    }
    return Promise.all(this.inFlight).then(() => undefined);
  }

  /** `<prefix>:history:<chatKey>` */
  private listKey(chatKey: string): string {
    return `${this.ctx.prefix}:history:${chatKey}`;
  }

  private async send(byChat: Map<string, string[]>): Promise<void> {
    let replies: (number | string)[];
    try {
      const args: (string | number)[] = [];
      for (const [chatKey, rows] of byChat) args.push(chatKey, rows.length, ...rows);
      replies = await this.redis.nkHistoryAppend(this.writerKey, this.listKey(''), ++this.writes, ...args);
    } catch (err) {
      const lost = [...byChat.values()].reduce((n, rows) => n + rows.length, 0);
      this.lose(err, lost, {}, 'history batch write failed: its entries are dropped');
      return;
    }
    // Empty: this write had already run (its first reply was lost with the connection); the next one trims.
    if (replies.length === 0) return;
    const overCap: string[] = [];
    let i = 0;
    for (const [chatKey, rows] of byChat) {
      const length = replies[i++];
      if (typeof length === 'string') this.lose(new Error(length), rows.length, { chatKey }, 'history write of one chat failed: its entries are dropped');
      else if (typeof length === 'number' && length > REDIS_HISTORY_PER_CHAT + REDIS_HISTORY_SLACK) overCap.push(chatKey);
    }
    if (overCap.length > 0) await this.trim(overCap);
  }

  private async trim(chatKeys: readonly string[]): Promise<void> {
    const batch = this.ctx.redis.pipeline();
    for (const chatKey of chatKeys) batch.ltrim(this.listKey(chatKey), -REDIS_HISTORY_PER_CHAT, -1);
    const replies = await batch.exec().catch((err: unknown) => chatKeys.map((): [unknown, unknown] => [err, null]));
    replies?.forEach(([err], n) => {
      // The next append past the slack tries again.
      if (err) this.lose(err, 0, { chatKey: chatKeys[n] }, 'history of one chat could not be trimmed: it grows past its cap');
    });
  }

  private lose(err: unknown, entries: number, fields: Record<string, unknown>, message: string): void {
    this.writeErrors += 1;
    this.droppedEntries += entries;
    this.failures.error(message, { err, entries, ...fields }, message);
  }

  // Serialised one by one so that an entry a plugin filled with unserialisable data (a BigInt or a cycle in a
  // raw segment) costs only itself, not the whole batch.
  private serialise(entries: readonly HistoryEntry[]): Map<string, string[]> {
    const byChat = new Map<string, string[]>();
    for (const e of entries) {
      let row: string;
      try {
        row = toRow(e);
      } catch (err) {
        this.lose(err, 1, { chatKey: e.chatKey, messageId: e.messageId }, 'history entry has segments that cannot be stored as JSON: it is dropped');
        continue;
      }
      const rows = byChat.get(e.chatKey);
      if (rows) rows.push(row);
      else byChat.set(e.chatKey, [row]);
    }
    return byChat;
  }
}

/** Only the entry's own fields, in a fixed order, whatever else the caller's object carries. */
function toRow(e: HistoryEntry): string {
  const row: HistoryEntry = {
    chatKey: e.chatKey,
    role: e.role,
    messageId: e.messageId,
    userId: e.userId,
    userName: e.userName,
    segments: e.segments,
    text: e.text,
    time: e.time,
  };
  return JSON.stringify(row);
}
