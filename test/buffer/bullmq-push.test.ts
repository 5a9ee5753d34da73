import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { describe, expect, inject, it } from 'vitest';
import { BullMQBufferDriver, type PushResult } from '../../core/buffer/index.js';
import { testDeps } from '../support/logger.js';
import { makeMessage } from '../support/messages.js';

const policy = { debounceMs: 5000, maxBatch: 10, maxWaitMs: 10_000 };

describe('BullMQ driver: one push call, several chats', () => {
  it("refuses exactly the pushes of a chat Redis could not store, and numbers the others' as if alone", async () => {
    const prefix = `test:${randomUUID()}`;
    const admin = new Redis(inject('redisUrl'));
    const driver = new BullMQBufferDriver(policy, { redis: { url: inject('redisUrl'), prefix }, ...testDeps() });
    try {
      // Chat b's list is not a list: Redis refuses its run of pushes (WRONGTYPE) and stores the others'.
      await admin.set(`${prefix}:buffer:msgs:test-private_b`, 'not a list');
      const settle = (p: Promise<PushResult>): Promise<PushResult | string> => p.catch((err: unknown) => `refused: ${String(err)}`);
      // One event-loop turn: one call, with runs a a | b b | c | a.
      const results = await Promise.all([
        settle(driver.push(makeMessage('a1', { chat: 'a' }))),
        settle(driver.push(makeMessage('a2', { chat: 'a' }))),
        settle(driver.push(makeMessage('b1', { chat: 'b' }))),
        settle(driver.push(makeMessage('b2', { chat: 'b' }))),
        settle(driver.push(makeMessage('c1', { chat: 'c' }))),
        settle(driver.push(makeMessage('a3', { chat: 'a' }))),
      ]);
      expect(results[0]).toEqual({ seq: 1, pending: 1 });
      expect(results[1]).toEqual({ seq: 2, pending: 2 });
      expect(results[2]).toMatch(/^refused: .*WRONGTYPE/);
      expect(results[3]).toMatch(/^refused: .*WRONGTYPE/);
      expect(results[4]).toEqual({ seq: 1, pending: 1 });
      expect(results[5]).toEqual({ seq: 3, pending: 3 });
      // The refused run's numbers were given back.
      await admin.del(`${prefix}:buffer:msgs:test-private_b`);
      expect(await driver.push(makeMessage('b3', { chat: 'b' }))).toEqual({ seq: 1, pending: 1 });
    } finally {
      await driver.close({ timeoutMs: 2000 });
      admin.disconnect();
    }
  });
});
