import { Redis } from 'ioredis';
import { expect, it } from 'vitest';
import { Metrics } from '../../core/metrics/index.js';
import { SharedDuplicates } from '../../core/pipeline/index.js';
import { connectRedis, whenReady } from '../../core/redis/index.js';
import { captureLogger } from '../support/logger.js';
import { sleep } from '../support/messages.js';
import { startRedisProxy } from '../support/redis-proxy.js';
import { startRedisServer } from '../support/redis-server.js';

it('counts and logs once what it could not do while Redis is away, and lets messages through', async () => {
  const server = await startRedisServer();
  const client = new Redis(server.url, { maxRetriesPerRequest: 0, retryStrategy: () => 50, enableOfflineQueue: false });
  client.on('error', () => {});
  try {
    await whenReady(client);
    const { log, lines } = captureLogger();
    const metrics = new Metrics();
    const shared = new SharedDuplicates(client, 'away', 60_000, { log, metrics });
    expect(await shared.seen('a')).toBe(false);
    expect(await shared.seen('a')).toBe(true);
    await server.stop();
    for (let i = 0; i < 3; i++) shared.forget(`m${i}`);
    for (let i = 0; i < 50 && metrics.get('duplicate_check_errors_total', { stage: 'forget' }) < 3; i++) await new Promise((r) => setTimeout(r, 10));
    expect(metrics.get('duplicate_check_errors_total', { stage: 'forget' })).toBe(3);
    expect(lines.filter((l) => String(l.msg).startsWith('the shared duplicate check could not reach Redis'))).toHaveLength(1);
  } finally {
    client.disconnect();
    await server.stop();
  }
});

it('does not take its own claim for another gateway’s when Redis ran it, the reply was lost and ioredis sent it again', async () => {
  const server = await startRedisServer();
  const proxy = await startRedisProxy(server);
  const { log } = captureLogger();
  // The production command connection: it resends what was unanswered once it reconnects.
  const client = connectRedis({ url: proxy.url, prefix: 'replay' }, 'command', log);
  const admin = new Redis(server.url);
  try {
    await whenReady(client);
    const shared = new SharedDuplicates(client, 'replay', 60_000, { log, metrics: new Metrics() });
    proxy.swallowReplies();
    const claim = shared.seen('m1');
    for (let i = 0; (await admin.exists('replay:seen:m1')) === 0; i++) {
      if (i > 200) throw new Error('the claim never reached Redis');
      await sleep(10);
    }
    proxy.cut();
    // Ran twice in Redis (the second finds the first's key): still this gateway's message, not a duplicate.
    expect(await claim).toBe(false);
    // A later delivery of the same id is a duplicate, from this gateway as from any other.
    expect(await shared.seen('m1')).toBe(true);
  } finally {
    client.disconnect();
    admin.disconnect();
    await proxy.close();
    await server.stop();
  }
});
