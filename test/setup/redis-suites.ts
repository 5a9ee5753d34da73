import { excludedSuites, requirementPlan, runs, type RequirementPlan } from './requirements.js';

/**
 * The test files that need a `redis-server`: they start their own (`test/support/redis-server.ts`) or use the
 * run's (`inject('redisUrl')`, `testRedisSettings`). On a machine without one they are left out of the run
 * (vitest.config.ts) unless Redis is required; `redis-suites.test.ts` checks that every such file is listed.
 */
export const redisSuites = [
  'test/buffer/bullmq-command-cost.test.ts',
  'test/buffer/bullmq-linger.test.ts',
  'test/buffer/bullmq-partitions.test.ts',
  'test/buffer/bullmq-push.test.ts',
  'test/buffer/bullmq-retry.test.ts',
  'test/buffer/bullmq-spool.test.ts',
  'test/buffer/bullmq-sweep.test.ts',
  'test/buffer/bullmq.contract.test.ts',
  'test/control/follow.test.ts',
  'test/control/redis-control-plane.test.ts',
  'test/neko/bus.redis.test.ts',
  'test/neko/cluster.redis.test.ts',
  'test/outbox/outbox.test.ts',
  'test/pipeline/flood-limit.redis.test.ts',
  'test/pipeline/shared-duplicates.redis.test.ts',
  'test/plugin/redis-timers.redis.test.ts',
  'test/runtime/app.redis.test.ts',
  'test/scale/chat-state.test.ts',
  'test/scale/cluster.test.ts',
  'test/scale/redis-restart.test.ts',
  'test/store/redis.contract.test.ts',
];

export type RedisPlan = RequirementPlan;

/**
 * `NEKOMATA_REQUIRE_REDIS=1` makes a missing `redis-server` fail the run, `=0` lets it skip the Redis suites;
 * unset, a `CI` variable (other than empty, `0` or `false`) requires it, so CI never goes green without them.
 */
export function redisPlan(env: NodeJS.ProcessEnv = process.env): RedisPlan {
  return requirementPlan('NEKOMATA_REQUIRE_REDIS', runs('redis-server'), env);
}

/**
 * The files this run leaves out: the Redis suites when there is no `redis-server` and nothing requires one.
 * Throws when one is required and missing, before any test starts.
 */
export function excludedRedisSuites(plan: RedisPlan = redisPlan()): string[] {
  return excludedSuites(
    plan,
    redisSuites,
    `redis-server is not on PATH, and ${plan.requiredBy} requires the Redis suites: install it ` +
      '(apt-get install -y redis-server), or set NEKOMATA_REQUIRE_REDIS=0 to skip them.',
  );
}
