import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BullMQBufferDriver } from '../../core/buffer/index.js';
import type { Batch } from '../../core/message/index.js';
import { testDeps } from '../support/logger.js';
import { makeMessage, until } from '../support/messages.js';
import { startRedisServer, type RedisServer } from '../support/redis-server.js';

/**
 * What a message costs Redis, counted rather than timed: one Redis serves every gateway and worker, so its
 * calls per message set the ceiling of a cluster (issue 20: at most 4, Lua-internal calls included). A server
 * of its own, so that no other suite's calls are counted.
 */
const CHATS = 200;
const BURST = 5;
/**
 * Issue 20 asks for at most 4. This workload costs 3.39 a message: 3.77 before the sweeper looked at the
 * partitions' own sets instead of a \`pending\` set kept by every push, ack and take (a ZADD or ZREM a batch,
 * and one a burst). The count also depends on timing (how often the partition jobs look and move while the
 * batches run; runs of test/buffer beside test/scale counted ~0.11 more). A change that adds a command per batch
 * (+0.2) or per message still shows here.
 */
const MAX_CALLS_PER_MESSAGE = 3.5;

let server: RedisServer;
let admin: Redis;

beforeAll(async () => {
  server = await startRedisServer();
  admin = new Redis(server.url);
});

afterAll(async () => {
  await admin?.quit();
  await server?.stop();
});

/** Calls Redis counted since the last reset, Lua-internal ones included, by command. */
async function commandCalls(): Promise<Map<string, number>> {
  const info = await admin.info('commandstats');
  const calls = new Map<string, number>();
  for (const m of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) calls.set(m[1]!, Number(m[2]));
  return calls;
}

describe('BullMQ driver: Redis calls per message', () => {
  it(`a burst of ${BURST} per chat, pushed, batched and acknowledged, costs at most ${MAX_CALLS_PER_MESSAGE} calls a message`, async () => {
    const driver = new BullMQBufferDriver(
      { debounceMs: 20, maxBatch: 10, maxWaitMs: 500 },
      { redis: { url: server.url, prefix: `cost:${randomUUID()}` }, ...testDeps() },
    );
    const handled: Batch[] = [];
    try {
      await driver.checkPartitions();
      await admin.config('RESETSTAT');
      await Promise.all(
        Array.from({ length: CHATS }, (_, c) => Array.from({ length: BURST }, (_, i) => driver.push(makeMessage(`m${i}`, { chat: `c${c}`, id: `c${c}-${i}` })))).flat(),
      );
      driver.consume(async (batch) => void handled.push(batch), { concurrency: 50 });
      await until(() => handled.reduce((n, b) => n + b.messages.length, 0) === CHATS * BURST, 'every message handled');
      await driver.close({ timeoutMs: 2000 });
      const calls = await commandCalls();
      calls.delete('info');
      calls.delete('config|resetstat');
      const total = [...calls.values()].reduce((a, b) => a + b, 0);
      const perMessage = total / (CHATS * BURST);
      const top = [...calls].sort((a, b) => b[1] - a[1]).map(([name, n]) => `${name} ${(n / (CHATS * BURST)).toFixed(2)}`).join(', ');
      expect(handled).toHaveLength(CHATS);
      expect(perMessage, `calls per message: ${top}`).toBeLessThanOrEqual(MAX_CALLS_PER_MESSAGE);
    } finally {
      await driver.close({ timeoutMs: 2000 });
    }
  });
});
