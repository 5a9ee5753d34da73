import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { inject } from 'vitest';
import type { RedisSettings } from '../../core/redis/index.js';

/**
 * Settings for the run's shared Redis (started by `test/setup/redis.ts`) under a prefix no other test uses,
 * so tests running in parallel never see each other's keys.
 */
export function testRedisSettings(): RedisSettings {
  const url = inject('redisUrl');
  if (!url) throw new Error('this run has no redis-server: list the test file in redisSuites (test/setup/redis-suites.ts)');
  return { url, prefix: `test:${randomUUID()}` };
}

/** Every key under `<prefix>:`, found with SCAN (never KEYS, which blocks the server). */
export async function keysUnder(redis: Redis, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', `${escapeGlob(prefix)}:*`, 'COUNT', 1000);
    keys.push(...batch);
    cursor = next;
  } while (cursor !== '0');
  return keys.sort();
}

/** Deletes every key under `<prefix>:`; resolves how many were deleted. */
export async function deleteKeys(redis: Redis, prefix: string): Promise<number> {
  const keys = await keysUnder(redis, prefix);
  let deleted = 0;
  for (let i = 0; i < keys.length; i += 500) deleted += await redis.del(...keys.slice(i, i + 500));
  return deleted;
}

function escapeGlob(s: string): string {
  return s.replace(/[*?[\]\\]/g, '\\$&');
}
