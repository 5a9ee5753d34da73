import type { TestProject } from 'vitest/node';
import { startRedisServer } from '../support/redis-server.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** URL of the Redis server this test run started; isolate with a unique key prefix (`testRedisSettings`). */
    redisUrl: string;
  }
}

/**
 * Starts one private `redis-server` for the whole run and hands its URL to the tests (`inject('redisUrl')`).
 * It fails the run when `redis-server` is missing: the Redis backends are tested, never skipped.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const server = await startRedisServer();
  project.provide('redisUrl', server.url);
  return () => server.stop();
}
