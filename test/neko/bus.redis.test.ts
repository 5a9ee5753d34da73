import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { RedisBus } from '../../core/bus/index.js';
import { testDeps } from '../support/logger.js';
import { testRedisSettings } from '../support/redis.js';
import { busContract } from './bus.contract.js';

busContract('Redis Streams', (history) => Promise.resolve(new RedisBus({ redis: testRedisSettings(), history, ...testDeps() })));

describe('the Redis bus', () => {
  it('shows its own records to getRecent before any flush, and loses and counts only a record Redis refuses', async () => {
    const settings = testRedisSettings();
    const deps = testDeps();
    const bus = new RedisBus({ redis: settings, history: 100, ...deps });
    const admin = new Redis(settings.url);
    try {
      // A key of the wrong type: Redis refuses every XADD to the events topic.
      await admin.set(`${settings.prefix}:bus:events`, 'not a stream');
      // Connected first, so that a read is sent at once rather than queued behind the connection.
      expect(await bus.topic('messages').getRecent()).toEqual([]);
      bus.topic('messages').publish({ type: 'text', text: 'one' });
      bus.topic('events').publish({ type: 'text', text: 'refused' });
      bus.topic('messages').publish({ type: 'text', text: 'two' });
      expect((await bus.topic('messages').getRecent()).map((r) => r.text)).toEqual(['one', 'two']);
      await bus.flush();
      expect(deps.metrics.get('bus_publish_errors_total', { topic: 'events' })).toBe(1);
      expect(deps.metrics.get('bus_publish_errors_total', { topic: 'messages' })).toBe(0);
      expect(deps.lines.filter((l) => l.topic === 'events')).toHaveLength(1);
    } finally {
      await bus.close();
      admin.disconnect();
    }
  });
});
