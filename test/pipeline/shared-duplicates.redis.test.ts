import { Redis } from 'ioredis';
import { expect, it } from 'vitest';
import { Metrics } from '../../core/metrics/index.js';
import { SharedDuplicates } from '../../core/pipeline/index.js';
import { whenReady } from '../../core/redis/index.js';
import { captureLogger } from '../support/logger.js';
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
