import type { Redis } from 'ioredis';
import { afterEach, expect, it } from 'vitest';
import { Metrics } from '../../core/metrics/index.js';
import { RedisTimers } from '../../core/plugin/index.js';
import { captureLogger } from '../support/logger.js';
import { until } from '../support/messages.js';
import { testRedisSettings } from '../support/redis.js';

let timers: RedisTimers | undefined;
afterEach(async () => {
  await timers?.close();
  timers = undefined;
});

it('runs a tick whose run mark Redis set twice (ioredis sent it again after its reply was lost)', async () => {
  const metrics = new Metrics();
  timers = new RedisTimers({ redis: testRedisSettings(), log: captureLogger().log, metrics, markMs: 5_000 });
  // What a reconnection does to a command whose reply was lost: Redis runs it again, and the second answer is
  // the one the caller gets. Only the run mark is replayed; BullMQ's own commands on this connection are not.
  const connection = (timers as unknown as { redis: Redis }).redis;
  const set = connection.set.bind(connection) as (...args: unknown[]) => Promise<unknown>;
  (connection as unknown as { set: (...args: unknown[]) => Promise<unknown> }).set = async (...args: unknown[]) =>
    String(args[0]).includes(':timers:running:') ? set(...args).then(() => set(...args)) : set(...args);
  let fired = 0;
  timers.start('replayed', { kind: 'timer', id: 'tick', schedule: { every: 500 }, fn: () => undefined }, async () => void fired++);
  await until(() => fired >= 1 || metrics.get('plugin_timer_skipped_total', { plugin: 'replayed', timer: 'tick' }) >= 1, 'the first tick, run or skipped');
  expect(metrics.get('plugin_timer_skipped_total', { plugin: 'replayed', timer: 'tick' })).toBe(0);
  expect(fired).toBe(1);
});
