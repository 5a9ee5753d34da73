import type { ChainableCommander, Redis } from 'ioredis';
import type { Logger } from 'pino';
import { ClosedError, NekomataError } from '../errors/index.js';
import { checkEvictionPolicy, checkRedisVersion, connectRedis, redactUrl, whenReady, type RedisSettings } from '../redis/index.js';
import { RedisHistory } from './redis-history.js';
import { RedisKV } from './redis-kv.js';
import { RedisPending } from './redis-pending.js';
import { RedisWaits } from './redis-waits.js';
import type { Store } from './store.js';

export interface RedisStoreOptions {
  /** Server URL and the key prefix; every key the store writes starts with `<prefix>:`. */
  settings: RedisSettings;
  log: Logger;
  /** How long to wait for the first connection before giving up; default 10 s. */
  readyTimeoutMs?: number;
}

/** A `Store` whose history also reports the writes it lost. */
export interface RedisStore extends Store {
  history: RedisHistory;
}

/** What the store's parts share: the connection, the key prefix and the closed check. */
export interface RedisStoreContext {
  redis: Redis;
  /** The configured prefix, without the trailing `:`. */
  prefix: string;
  log: Logger;
  /** Throws `ClosedError` once the owning store is closed. */
  assertOpen(): void;
  /** Runs a MULTI and resolves its replies; rejects with the first command's error, as a single command would. */
  exec(multi: ChainableCommander): Promise<unknown[]>;
}

/**
 * Opens the Redis store, for deployments where several processes share state. Its keys (all under
 * `<prefix>:`, so one Redis can hold several bots or test runs):
 *
 * | key                          | type | holds                                                                  |
 * | ---------------------------- | ---- | ---------------------------------------------------------------------- |
 * | `<prefix>:kv:<pluginKey>`    | hash | KV values of one plugin; field `<chatKey>\u0000<userKey>\u0000<key>`   |
 * | `<prefix>:history:<chatKey>` | list | JSON `HistoryEntry`s of one chat, oldest first, the newest 10,000 kept |
 * | `<prefix>:history-writes:<id>` | string | a store's last history write number (a write sent twice is stored once); expires after an hour |
 * | `<prefix>:pending`           | list | JSON `InboundMessage`s saved at shutdown, in save order                |
 * | `<prefix>:waits`             | hash | pending `CmdCtl.wait`s; field `<chatKey>\u0000<userId>`, JSON value   |
 *
 * Redis must run with `maxmemory-policy noeviction` (a warning is logged otherwise) and with AOF or snapshots
 * if the store has to survive a Redis restart (reference queue.md §4).
 *
 * @example
 * const store = await openRedisStore({ settings: { url: 'redis://127.0.0.1:6379', prefix: 'nekomata' }, log });
 * await store.kv.set({ pluginKey: 'me.counter', chatKey, key: 'n' }, '1');
 */
export async function openRedisStore(options: RedisStoreOptions): Promise<RedisStore> {
  const log = options.log.child({ component: 'redis-store' });
  const redis = connectRedis(options.settings, 'command', log, 'store');
  try {
    await whenReady(redis, options.readyTimeoutMs);
  } catch (err) {
    redis.disconnect();
    throw new NekomataError(
      'STORE_UNAVAILABLE',
      `redis store at ${redactUrl(options.settings.url)} is not reachable (${(err as Error).message}): ` +
        'check REDIS_URL and that the server is running',
      { cause: err },
    );
  }
  try {
    await checkRedisVersion(redis, options.settings.url, log);
  } catch (err) {
    redis.disconnect();
    throw err;
  }
  await checkEvictionPolicy(redis, log);

  let closed = false;
  let closing: Promise<void> | undefined;
  const ctx: RedisStoreContext = {
    redis,
    prefix: options.settings.prefix,
    log,
    assertOpen() {
      if (closed) throw new ClosedError('redis store');
    },
    exec: execMulti,
  };
  const history = new RedisHistory(ctx);

  return {
    description: `Redis at ${redactUrl(options.settings.url)} (prefix ${options.settings.prefix})`,
    kv: new RedisKV(ctx),
    history,
    pending: new RedisPending(ctx),
    waits: new RedisWaits(ctx),
    async ping() {
      // Not queued while Redis is away (the offline queue would wait): a probe wants the state now.
      if (redis.status !== 'ready') throw new Error(`Redis connection is ${redis.status}`);
      await redis.ping();
    },
    // Idempotent, so that shutdown paths which race to close the store do not fail on the second call.
    close() {
      closing ??= (async () => {
        closed = true;
        await history.writeQueue();
        await quit(redis);
      })();
      return closing;
    },
  };
}

async function execMulti(multi: ChainableCommander): Promise<unknown[]> {
  const replies = await multi.exec();
  // null only when a WATCHed key changed; the store never WATCHes, so this is a broken invariant.
  if (!replies) throw new Error('redis transaction was aborted');
  return replies.map(([err, result]) => {
    if (err) throw err;
    return result;
  });
}

async function quit(redis: Redis): Promise<void> {
  if (redis.status === 'end') return;
  try {
    await redis.quit();
  } catch {
    // Not connected (the offline queue is off, so QUIT cannot wait for a reconnect): just drop the socket.
    redis.disconnect();
  }
}
