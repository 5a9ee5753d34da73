import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from 'pino';
import { ConfigError, isUnavailable } from '../errors/index.js';

/**
 * Redis connections for the Redis-backed parts (store, buffer, outbox). BullMQ needs
 * `maxRetriesPerRequest: null` on connections it blocks on; command connections fail fast instead, so that
 * a lost Redis shows quickly rather than queueing commands in memory (reference queue.md §4). A `patient`
 * connection is for writes that must outlive an outage (the buffer's pushes, the outbox's sends): its
 * commands wait in ioredis's offline queue while Redis is away, and those in flight when the connection
 * dropped are sent again, in order, before the queued ones (ioredis `autoResendUnfulfilledCommands`). A command
 * may therefore run twice: what is sent on it must be idempotent. No auto-pipelining: ioredis aborts, rather
 * than resends, the tail of a pipeline that was partly answered, which would break that order. A command
 * connection sends again too, when its first reconnection succeeds: writes on it must be idempotent as well
 * (a claim carries its own token, a script call its writer's number).
 */
export type RedisRole = 'blocking' | 'command' | 'patient';

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
    maxRetriesPerRequest: role === 'command' ? 1 : null,
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

/** A Redis URL fit for logs: the password replaced by `***`. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparsable REDIS_URL)';
  }
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
 * Claims `key` for `token` unless someone else holds it; true when the claim is this caller's. ioredis sends a
 * command again when its connection dropped before the reply, and Redis may have run it the first time: with
 * `GET` in the same `SET`, a claim run twice finds its own token and still counts as taken (Redis 7.0).
 */
export async function claimOnce(redis: Redis, key: string, token: string, ttlMs: number): Promise<boolean> {
  const holder = await redis.set(key, token, 'PX', ttlMs, 'NX', 'GET');
  return holder === null || holder === token;
}

/**
 * Lua that makes a script's call count once per caller: `key` keeps the caller's last call number (`number`,
 * both Lua expressions) for `ttlMs`, and a call whose number already ran returns `{}` before doing anything.
 * A caller's calls must run in the order they are numbered (one connection sends them); a call ioredis sends
 * again after its reply was lost is then recognised.
 */
export function oncePerCallLua(key: string, number: string, ttlMs: number): string {
  return `
local ran = redis.call('SET', ${key}, ${number}, 'PX', '${ttlMs}', 'GET')
if ran and tonumber(ran) >= tonumber(${number}) then
  redis.call('SET', ${key}, ran, 'PX', '${ttlMs}')
  return {}
end`;
}

/** The oldest Redis this works with: claims that must recognise themselves use `SET … NX GET` (7.0). */
const MIN_REDIS_MAJOR = 7;

/**
 * What is wrong with the server `INFO server` describes, or undefined when it is recent enough (or says no
 * version, as a proxy may: then the first command that needs 7.0 will say so).
 */
export function redisVersionProblem(info: string, url: string): string | undefined {
  const version = /^redis_version:(\d+)\.(\d+)/m.exec(info);
  if (!version || Number(version[1]) >= MIN_REDIS_MAJOR) return undefined;
  return `the Redis at ${redactUrl(url)} is version ${version[1]}.${version[2]}; Nekomata needs Redis ${MIN_REDIS_MAJOR}.0 or later (SET … NX GET): upgrade it, or set REDIS_URL to another server`;
}

/** Refuses to start on a Redis too old for what runs on it (`ConfigError` naming REDIS_URL); INFO refused: a warning. */
export async function checkRedisVersion(redis: Redis, url: string, log: Logger): Promise<void> {
  let info: string;
  try {
    info = await redis.info('server');
  } catch (err) {
    log.warn({ err }, `could not read the Redis version (INFO refused?); make sure it is ${MIN_REDIS_MAJOR}.0 or later`);
    return;
  }
  const problem = redisVersionProblem(info, url);
  if (problem) throw new ConfigError(['REDIS_URL'], problem);
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

/**
 * The `error` listener for a BullMQ queue, worker or event stream. While Redis is away each of them emits an
 * error at every reconnection attempt; the connection itself already said Redis is gone (`connectRedis`, once
 * per outage), so those go to debug. Any other error is the component's own and is logged as such.
 */
export function bullmqErrorListener(log: Logger, what: string, fields: Record<string, unknown> = {}): (err: Error) => void {
  return (err) => {
    if (isUnavailable(err)) log.debug({ err, ...fields }, `${what}: Redis is unreachable`);
    else log.error({ err, ...fields }, `${what} error`);
  };
}
