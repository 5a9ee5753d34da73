import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RedisSettings } from '../../core/redis/index.js';
import {
  openRedisStore,
  openSqliteStore,
  REDIS_HISTORY_PER_CHAT,
  REDIS_HISTORY_SLACK,
  type HistoryEntry,
  type KVKey,
  type RedisStore,
  type Store,
} from '../../core/store/index.js';
import { captureLogger } from '../support/logger.js';
import { startRedisProxy } from '../support/redis-proxy.js';
import { startRedisServer, type RedisServer } from '../support/redis-server.js';
import { deleteKeys, keysUnder, testRedisSettings } from '../support/redis.js';
import { describeStoreContract } from './store.contract.js';

const CHAT = 'onebot-group_1';

describeStoreContract('redis', async () => {
  const settings = testRedisSettings();
  const { log } = captureLogger();
  return {
    store: await openRedisStore({ settings, log }),
    reopen: () => openRedisStore({ settings, log }),
    dispose: async () => {
      await withClient(settings.url, (redis) => deleteKeys(redis, settings.prefix));
    },
  };
});

function entry(n: number, chatKey = CHAT, segments: HistoryEntry['segments'] = [{ type: 'text', text: `m${n}` }]): HistoryEntry {
  return { chatKey, role: 'user', messageId: String(n), userId: 'u1', userName: 'U', segments, text: `m${n}`, time: n };
}

const nextTick = () => new Promise<void>((resolve) => setImmediate(resolve));

async function withClient<T>(url: string, use: (redis: Redis) => Promise<T>): Promise<T> {
  const redis = new Redis(url);
  try {
    return await use(redis);
  } finally {
    redis.disconnect();
  }
}

/** Retries `attempt` until it resolves: the store's connection reconnects on its own after a Redis restart. */
async function eventually<T>(attempt: () => Promise<T>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await attempt();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

describe('redis store', () => {
  let settings: RedisSettings;
  let captured: ReturnType<typeof captureLogger>;
  let redis: Redis;
  const opened: Store[] = [];
  const servers: RedisServer[] = [];

  async function open(s: RedisSettings = settings): Promise<RedisStore> {
    const store = await openRedisStore({ settings: s, log: captured.log });
    opened.push(store);
    return store;
  }

  beforeEach(() => {
    settings = testRedisSettings();
    captured = captureLogger();
    redis = new Redis(settings.url);
  });

  afterEach(async () => {
    for (const s of opened.splice(0)) await s.close();
    for (const s of servers.splice(0)) await s.stop();
    await deleteKeys(redis, settings.prefix);
    redis.disconnect();
  });

  it('keeps the newest 10,000 entries of a chat, trimmed back once it passes them by 1,000, within one batch and across batches', async () => {
    const store = await open();
    const cap = REDIS_HISTORY_PER_CHAT + REDIS_HISTORY_SLACK;
    expect([REDIS_HISTORY_PER_CHAT, REDIS_HISTORY_SLACK]).toEqual([10_000, 1_000]);
    for (let i = 0; i < cap; i++) store.history.append(entry(i));
    store.history.append(entry(0, 'onebot-group_2'));
    // Up to the slack, nothing is trimmed.
    expect(await store.history.count(CHAT)).toBe(cap);
    expect((await store.history.recent(CHAT, 20_000))[0]?.messageId).toBe('0');

    for (let i = cap; i < cap + 3; i++) store.history.append(entry(i));
    const recent = await store.history.recent(CHAT, Number.POSITIVE_INFINITY);
    expect(recent).toHaveLength(10_000);
    expect(recent[0]?.messageId).toBe(String(cap + 3 - 10_000));
    expect(recent.at(-1)?.messageId).toBe(String(cap + 2));
    expect(await store.history.count('onebot-group_2')).toBe(1);

    // Past the slack within one batch: trimmed in the same write.
    for (let i = 0; i < cap + 1; i++) store.history.append(entry(i, 'onebot-group_3'));
    expect(await store.history.count('onebot-group_3')).toBe(10_000);
  });

  it('stores a write once when Redis ran it but the reply was lost, and ioredis sent it again', async () => {
    const server = await startRedisServer();
    servers.push(server);
    const proxy = await startRedisProxy(server);
    try {
      const own = { url: proxy.url, prefix: 'replayed' };
      const store = await open(own);
      store.history.append(entry(1));
      await store.history.flush();
      proxy.swallowReplies();
      store.history.append(entry(2));
      store.history.append(entry(3, 'telegram-private_9'));
      const key = `replayed:history:${CHAT}`;
      await withClient(server.url, async (r) => {
        // Redis ran the write (both chats' lists grew) and its answer went nowhere.
        await eventually(async () => expect(await r.llen('replayed:history:telegram-private_9')).toBe(1), 2000);
        proxy.cut();
        await store.history.flush();
        expect((await r.lrange(key, 0, -1)).map((row) => (JSON.parse(row) as HistoryEntry).text)).toEqual(['m1', 'm2']);
        expect(await r.llen('replayed:history:telegram-private_9')).toBe(1);
      });
    } finally {
      await proxy.close();
    }
  });

  it('writes appended history on its own, without a flush or a reader', async () => {
    const store = await open();
    const key = `${settings.prefix}:history:${CHAT}`;
    for (let i = 0; i < 3; i++) store.history.append(entry(i));
    // Not "still 0 now": the write leaves on the next tick on another connection, and Redis may serve it before
    // a read sent a moment earlier (it failed that way once in a clean-clone run).
    await nextTick();
    await eventually(async () => expect(await redis.llen(key)).toBe(3), 2000);
  });

  it('writes every key under its prefix, and only the documented ones', async () => {
    const server = await startRedisServer();
    servers.push(server);
    const own = { url: server.url, prefix: 'bot-a' };
    const store = await open(own);
    await store.kv.set({ pluginKey: 'p.one', chatKey: CHAT, userKey: 'u1', key: 'k' }, 'v');
    await store.kv.set({ pluginKey: 'p.two', key: 'k' }, 'v');
    store.history.append(entry(1));
    store.history.append(entry(2, 'telegram-private_9'));
    await store.pending.save([
      { adapter: 'onebot', botId: 'b', chatKey: CHAT, chatType: 'group', chatId: '1', userId: 'u', userName: 'U', segments: [], text: '', toMe: false, messageId: 'm', time: 1 },
    ]);
    await store.history.flush();

    const all = await withClient(server.url, (r) => r.keys('*'));
    // The history writer's last write number (one small key per store, expiring an hour after its last write).
    expect(all.filter((k) => /^bot-a:history-writes:[0-9a-f-]{36}$/.test(k))).toHaveLength(1);
    expect(all.filter((k) => !k.startsWith('bot-a:history-writes:')).sort()).toEqual([
      'bot-a:history:onebot-group_1',
      'bot-a:history:telegram-private_9',
      'bot-a:kv:p.one',
      'bot-a:kv:p.two',
      'bot-a:pending',
    ]);
    expect(await withClient(server.url, (r) => r.hkeys('bot-a:kv:p.one'))).toEqual([`${CHAT}\u0000u1\u0000k`]);
  });

  it('lists in the same order as the SQLite store, UTF-8 byte order included', async () => {
    const store = await open();
    const sqlite = openSqliteStore({ path: ':memory:', log: captured.log });
    opened.push(sqlite);
    // U+FF5E sorts before U+1F408 in UTF-8 bytes but after it in JavaScript's UTF-16 string order.
    const keys = ['～', '🐈', 'Z', 'a', 'é', '', 'a\u0000b', 'ab'];
    const scopes: Array<Omit<KVKey, 'key' | 'pluginKey'>> = [{}, { chatKey: '🐈' }, { chatKey: '～', userKey: 'é' }, { userKey: 'Z' }];
    for (const scope of scopes) {
      for (const key of keys) {
        for (const s of [store, sqlite]) await s.kv.set({ pluginKey: 'p', ...scope, key }, `${scope.chatKey}/${key}`);
      }
    }
    for (const q of [{}, { chatKey: '～' }, { userKey: 'Z' }, { chatKey: '', userKey: '' }, { prefix: 'a' }]) {
      const query = { pluginKey: 'p', ...q };
      const fromRedis = await store.kv.list(query);
      expect(fromRedis.length).toBeGreaterThan(0);
      expect(fromRedis).toEqual(await sqlite.kv.list(query));
    }
  });

  it('lists a plugin with more values than one HSCAN step returns, each once', async () => {
    const store = await open();
    const written = Array.from({ length: 2500 }, (_, i) => ({ chatKey: `c${i % 3}`, userKey: '', key: `k${i}`, value: String(i) }));
    const batch = redis.pipeline();
    for (const e of written) batch.hset(`${settings.prefix}:kv:p`, `${e.chatKey}\u0000\u0000${e.key}`, e.value);
    await batch.exec();

    const all = await store.kv.list({ pluginKey: 'p' });
    expect(all).toHaveLength(2500);
    expect(new Set(all.map((e) => e.key)).size).toBe(2500);
    const c1k1 = written.filter((e) => e.chatKey === 'c1' && e.key.startsWith('k1'));
    expect(await store.kv.list({ pluginKey: 'p', chatKey: 'c1', userKey: '', prefix: 'k1' })).toEqual(
      c1k1.sort((a, b) => Buffer.compare(Buffer.from(a.key), Buffer.from(b.key))),
    );
  });

  it('logs and counts a write that fails on a damaged key, and append does not throw', async () => {
    const store = await open();
    await redis.set(`${settings.prefix}:history:${CHAT}`, 'not a list');

    expect(() => {
      store.history.append(entry(1));
      store.history.append(entry(2));
      store.history.append(entry(3, 'onebot-group_2'));
    }).not.toThrow();
    await expect(store.history.flush()).resolves.toBeUndefined();

    expect(store.history.writeErrors).toBe(1);
    expect(store.history.droppedEntries).toBe(2);
    expect(await store.history.count('onebot-group_2')).toBe(1);
    const errors = captured.lines.filter((l) => l.level === 50);
    expect(errors).toMatchObject([{ entries: 2, chatKey: CHAT, err: expect.objectContaining({ message: expect.stringMatching(/WRONGTYPE/) }) }]);
  });

  it('logs and counts a batch lost with the connection, and append does not throw', async () => {
    const server = await startRedisServer();
    servers.push(server);
    const store = await open({ url: server.url, prefix: 'p' });
    await server.stop();
    await eventually(async () => expect(await store.kv.get({ pluginKey: 'p', key: 'k' }).catch((e: Error) => e)).toBeInstanceOf(Error));

    expect(() => store.history.append(entry(1))).not.toThrow();
    await expect(store.history.flush()).resolves.toBeUndefined();
    expect(store.history.writeErrors).toBe(1);
    expect(store.history.droppedEntries).toBe(1);
    expect(captured.lines.filter((l) => l.level === 50 && l.entries === 1)).toHaveLength(1);
    await expect(store.close()).resolves.toBeUndefined();
  });

  it('logs the failed writes of many chats during an outage once, while counting each', async () => {
    const server = await startRedisServer();
    servers.push(server);
    const store = await open({ url: server.url, prefix: 'p' });
    await server.stop();
    await eventually(async () => expect(await store.kv.get({ pluginKey: 'p', key: 'k' }).catch((e: Error) => e)).toBeInstanceOf(Error));
    for (let round = 0; round < 3; round++) {
      for (let chat = 0; chat < 200; chat++) store.history.append(entry(round * 1000 + chat, `onebot-group_${chat}`));
      await store.history.flush();
    }
    expect(store.history.droppedEntries).toBe(600);
    expect(captured.lines.filter((l) => l.level === 50 && l.entries !== undefined)).toHaveLength(1);
    await expect(store.close()).resolves.toBeUndefined();
  });

  it('keeps working across a Redis restart', async () => {
    const server = await startRedisServer();
    servers.push(server);
    const store = await open({ url: server.url, prefix: 'p' });
    await store.kv.set({ pluginKey: 'p', key: 'k' }, 'before');
    // Saved on disk, so the restarted server loads it again, as a server with AOF or snapshots would.
    await withClient(server.url, (r) => r.save());

    await server.restart();

    expect(await eventually(() => store.kv.get({ pluginKey: 'p', key: 'k' }))).toBe('before');
    expect(await store.kv.set({ pluginKey: 'p', key: 'k' }, 'after')).toBe(false);
    expect(await store.kv.get({ pluginKey: 'p', key: 'k' })).toBe('after');
    store.history.append(entry(2));
    expect((await store.history.recent(CHAT, 5)).map((e) => e.messageId)).toEqual(['2']);
    expect(store.history.writeErrors).toBe(0);
  });

  it('drops only an entry whose segments cannot be stored, logging and counting it', async () => {
    const store = await open();
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    store.history.append(entry(1));
    store.history.append(entry(2, CHAT, [{ type: 'raw', platform: 'onebot', kind: 'x', data: cyclic }]));
    store.history.append(entry(3));

    expect((await store.history.recent(CHAT, 10)).map((e) => e.messageId)).toEqual(['1', '3']);
    expect(store.history.writeErrors).toBe(1);
    expect(store.history.droppedEntries).toBe(1);
    expect(captured.lines.filter((l) => l.level === 50)).toMatchObject([{ entries: 1, messageId: '2' }]);
  });

  it('saves a pending message whose raw event is not JSON, without the raw event', async () => {
    const store = await open();
    const msg = {
      adapter: 'onebot',
      botId: 'b',
      chatKey: CHAT,
      chatType: 'group' as const,
      chatId: '1',
      userId: 'u',
      userName: 'U',
      segments: [],
      text: '',
      toMe: false,
      messageId: 'm1',
      time: 1,
      raw: { id: 10n },
    };
    await store.pending.save([msg]);
    const { raw: _raw, ...withoutRaw } = msg;
    expect(await store.pending.takeAll()).toEqual([withoutRaw]);
    expect(captured.lines.filter((l) => l.level === 40)).toMatchObject([{ messageId: 'm1' }]);
  });

  it('rejects with STORE_UNAVAILABLE when Redis cannot be reached, without the password in the message', async () => {
    const server = await startRedisServer();
    const url = `redis://:secret@127.0.0.1:${server.port}`;
    await server.stop();
    const failure = openRedisStore({ settings: { url, prefix: 'p' }, log: captured.log, readyTimeoutMs: 300 });
    await expect(failure).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE', message: expect.stringContaining(`127.0.0.1:${server.port}`) });
    await expect(failure).rejects.not.toThrow(/secret/);
  });

  it('leaves no keys behind once a test cleans its prefix', async () => {
    const store = await open();
    await store.kv.set({ pluginKey: 'p', key: 'k' }, 'v');
    expect(await keysUnder(redis, settings.prefix)).toEqual([`${settings.prefix}:kv:p`]);
    await deleteKeys(redis, settings.prefix);
    expect(await keysUnder(redis, settings.prefix)).toEqual([]);
  });
});
