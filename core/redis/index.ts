import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from 'pino';

/**
 * Redis connections for the Redis-backed parts (store, buffer, outbox). BullMQ needs
 * `maxRetriesPerRequest: null` on connections it blocks on; command connections fail fast instead, so that
 * ingest reports a lost Redis quickly rather than queueing commands in memory (reference queue.md §4).
 */
export type RedisRole = 'blocking' | 'command';

export interface RedisSettings {
  url: string;
  /** Every key starts with `<prefix>:`. */
  prefix: string;
}

export function connectRedis(settings: RedisSettings, role: RedisRole, log: Logger, name: string = role): Redis {
  const options: RedisOptions = {
    connectionName: `nekomata:${name}`,
    lazyConnect: false,
    enableAutoPipelining: role === 'command',
    // Commands issued while (re)connecting wait in the offline queue, but a command connection gives up
    // after one reconnection attempt, so a Redis outage surfaces as an error within about a second.
    maxRetriesPerRequest: role === 'blocking' ? null : 1,
    enableOfflineQueue: true,
    // Reconnect forever with a capped backoff: a Redis restart must be survived.
    retryStrategy: (attempt) => Math.min(50 * 2 ** Math.min(attempt, 6), 2000),
  };
  const redis = new Redis(settings.url, options);
  let down = false;
  redis.on('error', (err: Error) => {
    if (!down) log.error({ err, redis: name }, `redis connection ${name} failed: ${err.message}; reconnecting`);
    down = true;
  });
  redis.on('ready', () => {
    if (down) log.info({ redis: name }, `redis connection ${name} is back`);
    down = false;
  });
  return redis;
}

/** Resolves once the connection is ready (or rejects after `timeoutMs`). */
export function whenReady(redis: Redis, timeoutMs = 10_000): Promise<void> {
  if (redis.status === 'ready') return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      redis.off('ready', onReady);
      reject(new Error(`redis did not become ready within ${timeoutMs} ms (status ${redis.status})`));
    }, timeoutMs);
    const onReady = (): void => {
      clearTimeout(timer);
      resolve();
    };
    redis.once('ready', onReady);
  });
}

/**
 * BullMQ loses jobs if Redis may evict keys: warn at start-up unless `maxmemory-policy` is `noeviction`
 * (reference queue.md §4, cross-cutting requirements).
 */
export async function checkEvictionPolicy(redis: Redis, log: Logger): Promise<string | undefined> {
  try {
    const reply = (await redis.config('GET', 'maxmemory-policy')) as string[];
    const policy = reply[1];
    if (policy && policy !== 'noeviction') {
      log.warn({ policy }, `redis maxmemory-policy is ${policy}: set it to noeviction, or queued messages and jobs may be evicted and lost`);
    }
    return policy;
  } catch (err) {
    log.warn({ err }, 'could not read redis maxmemory-policy (CONFIG GET refused?); make sure it is noeviction');
    return undefined;
  }
}
