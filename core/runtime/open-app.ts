import path from 'node:path';
import { BullMQBufferDriver, MemoryBufferDriver } from '../buffer/index.js';
import { Metrics } from '../metrics/index.js';
import { BullMQOutbox } from '../outbox/index.js';
import { RedisBus } from '../bus/index.js';
import { RedisTimers } from '../plugin/index.js';
import { BullMQRunQueue } from '../runs/index.js';
import { RedisControlPlane } from '../control/index.js';
import { connectRedis, whenReady } from '../redis/index.js';
import type { Logger } from 'pino';
import { openRedisStore, openSqliteStore, type Store } from '../store/index.js';
import { lockDataDir } from './data-dir-lock.js';
import { App, type AppOptions } from './app.js';
import { assembleApp } from './assembly.js';
import type { Config } from './config.js';
import { createLogger } from './logger.js';
import { LogFeed } from './log-feed.js';

/** Builds an app from its configuration; options replace parts (tests, benchmarks, other backends). */
export function createApp(config: Config, options: AppOptions = {}): App {
  const logFeed = options.logFeed ?? new LogFeed();
  const log = options.log ?? createLogger(config, { feed: logFeed });
  const metrics = options.metrics ?? new Metrics();
  const store = options.store ?? openOwnedSqliteStore(config.dataDir, log);
  const buffer = options.buffer ?? new MemoryBufferDriver(config.buffer, { log, metrics, idleEvictMs: config.chatStateIdleMs });
  return new App(assembleApp({ config, log, logFeed, metrics, store, buffer }, options), options);
}

/**
 * The SQLite store in `DATA_DIR`, which has one owner: the directory's lock is taken first (a second process
 * on it is refused, naming the holder's pid) and released when the store closes.
 */
function openOwnedSqliteStore(dataDir: string, log: Logger): Store {
  const lock = lockDataDir(dataDir);
  let store: Store;
  try {
    store = openSqliteStore({ path: path.join(dataDir, 'nekomata.db'), log });
  } catch (err) {
    lock.release();
    throw err;
  }
  const close = store.close.bind(store);
  return Object.assign(store, { close: () => close().finally(() => lock.release()) });
}

/**
 * Builds an app with the backends its configuration names: with `REDIS_URL`, the Redis store, the BullMQ
 * buffer, the outbox, the control plane, the flood limits' and duplicate check's counts, the bus (Redis
 * Streams), runs (BullMQ jobs) and timers (BullMQ job schedulers), shared with every other process on that
 * Redis; without, the embedded ones.
 */
export async function openApp(config: Config, options: AppOptions = {}): Promise<App> {
  if (!config.redis) return createApp(config, options);
  const logFeed = options.logFeed ?? new LogFeed();
  const log = options.log ?? createLogger(config, { feed: logFeed });
  const metrics = options.metrics ?? new Metrics();
  const store = options.store ?? (await openRedisStore({ settings: config.redis, log }));
  let buffer = options.buffer;
  if (!buffer) {
    const driver = new BullMQBufferDriver(config.buffer, {
      redis: config.redis, log, metrics, lockMs: config.redis.lockMs, partitions: config.redis.partitions, spoolMax: config.redis.spoolMax, spoolDir: config.dataDir,
    });
    await driver.checkPartitions();
    await driver.restoreSpool();
    buffer = driver;
  }
  const outbox = options.outbox ?? new BullMQOutbox({ redis: config.redis, log, metrics });
  // Flood limits and the duplicate check run at ingest, so a worker needs no connection for them; gateways share them.
  let ingestRedis = options.ingestRedis;
  if (!ingestRedis && config.role !== 'worker') {
    ingestRedis = connectRedis(config.redis, 'command', log, 'ingest');
    // Ready before the first message: a limiter asked while connecting would let it through uncounted.
    await whenReady(ingestRedis).catch((err: unknown) => {
      ingestRedis?.disconnect();
      throw err;
    });
  }
  const control = options.control ?? new RedisControlPlane(config.redis, log, config.role);
  const redis = config.redis;
  const bus = options.bus ?? new RedisBus({ redis, history: config.bus.history, log, metrics });
  const runQueue = options.runQueue ?? new BullMQRunQueue({ redis, log, concurrency: config.runs.concurrency });
  // A tick's running mark outlives a call that hangs by at most the call time limit.
  const timers = options.timers ?? new RedisTimers({ redis, log, metrics, markMs: config.plugins.callTimeoutMs + 1000 });
  return createApp(config, { ...options, log, logFeed, metrics, store, buffer, outbox, control, bus, runQueue, timers, ...(ingestRedis ? { ingestRedis } : {}) });
}
