import type { TestProject } from 'vitest/node';
import { startRedisServer } from '../support/redis-server.js';
import { redisPlan, redisSuites } from './redis-suites.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /**
     * URL of the Redis server this test run started; isolate with a unique key prefix (`testRedisSettings`).
     * Empty when the run has no Redis (the Redis suites are left out).
     */
    redisUrl: string;
  }
}

/**
 * Starts one private `redis-server` for the whole run and hands its URL to the tests (`inject('redisUrl')`).
 * Without `redis-server` the Redis suites are left out (vitest.config.ts) and this says so in one line, unless
 * Redis is required (`NEKOMATA_REQUIRE_REDIS=1`, `CI`): then vitest.config.ts has already failed the run.
 */
export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  const plan = redisPlan();
  if (plan.skip) {
    project.provide('redisUrl', '');
    console.log(
      `Redis suites skipped (${redisSuites.length} test files): redis-server is not on PATH. Install it ` +
        '(apt-get install -y redis-server) to run them, or set NEKOMATA_REQUIRE_REDIS=1 to make its absence an error.',
    );
    return undefined;
  }
  const server = await startRedisServer();
  project.provide('redisUrl', server.url);
  return () => server.stop();
}
