import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { describe, expect, inject, it } from 'vitest';
import { BullMQBufferDriver } from '../../core/buffer/index.js';
import type { Batch } from '../../core/message/index.js';
import { testDeps } from '../support/logger.js';
import { makeMessage, until } from '../support/messages.js';

const policy = { debounceMs: 50, maxBatch: 10, maxWaitMs: 500 };

/** One partition (so that the keys are known), swept every 200 ms. */
const driverOn = (prefix: string): BullMQBufferDriver =>
  new BullMQBufferDriver(policy, { redis: { url: inject('redisUrl'), prefix }, ...testDeps(), partitions: 1, sweepMs: 200 });

/** Pushes through a gateway (a driver that does not consume), then removes the flush job: as if BullMQ had lost it. */
async function pushAndLoseTheJob(prefix: string, admin: Redis): Promise<void> {
  const gateway = driverOn(prefix);
  await gateway.push(makeMessage('hello', { chat: 'a', id: 'a1' }));
  await gateway.close({ timeoutMs: 2000 });
  const queue = new Queue('flush', { connection: admin.duplicate({ maxRetriesPerRequest: null }), prefix: `${prefix}:bull` });
  await queue.obliterate({ force: true });
  await queue.close();
  await queue.disconnect();
}

/** Consumes on `prefix` until chat a's message was handled, or fails. */
async function consumeChatA(prefix: string): Promise<Batch[]> {
  const worker = driverOn(prefix);
  const handled: Batch[] = [];
  worker.consume(async (batch) => void handled.push(batch), { concurrency: 4 });
  try {
    await until(() => handled.length > 0, "chat a's message handled", 5000);
    return handled;
  } finally {
    await worker.close({ timeoutMs: 2000 });
  }
}

async function eventually(check: () => Promise<boolean>, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('BullMQ driver: the sweeper', () => {
  it('asks again for the job of a partition whose job was lost, when a chat there is overdue', async () => {
    const prefix = `test:${randomUUID()}`;
    const admin = new Redis(inject('redisUrl'));
    try {
      await pushAndLoseTheJob(prefix, admin);
      expect(await admin.zrange(`${prefix}:buffer:due:0`, '0', '-1')).toContain('test-private_a');
      const handled = await consumeChatA(prefix);
      expect(handled.map((b) => b.messages.map((m) => m.messageId))).toEqual([['a1']]);
    } finally {
      admin.disconnect();
    }
  });

  it('asks for it when a chat is held by a process that died (its lease gone), and the job puts the chat back', async () => {
    const prefix = `test:${randomUUID()}`;
    const admin = new Redis(inject('redisUrl'));
    try {
      await pushAndLoseTheJob(prefix, admin);
      // A process claimed chat a and died with the batch: the chat is held, not due, and nobody's job will look.
      await admin.zrem(`${prefix}:buffer:due:0`, 'test-private_a');
      await admin.hset(`${prefix}:buffer:held:0`, 'test-private_a', 'a-process-that-died');
      const handled = await consumeChatA(prefix);
      expect(handled.map((b) => b.messages.map((m) => m.messageId))).toEqual([['a1']]);
    } finally {
      admin.disconnect();
    }
  });
});

describe("BullMQ driver: a partition's sets", () => {
  it('stay in their hash-table encodings, and the member that keeps them so is never taken for a chat', async () => {
    const prefix = `test:${randomUUID()}`;
    const admin = new Redis(inject('redisUrl'));
    const driver = driverOn(prefix);
    const handled: Batch[] = [];
    driver.consume(async (batch) => void handled.push(batch), { concurrency: 4 });
    try {
      await Promise.all(['a', 'b', 'c'].map((chat) => driver.push(makeMessage('hello', { chat, id: `${chat}1` }))));
      await until(() => handled.length === 3, 'the three chats handled');
      const k = `${prefix}:buffer:`;
      expect(await admin.object('ENCODING', `${k}due:0`)).toBe('skiplist');
      expect(await admin.object('ENCODING', `${k}held:0`)).toBe('hashtable');
      // With only that member left, the partition is empty: its job completes and no wake time is kept.
      await eventually(async () => (await admin.exists(`${k}wake:0`)) === 0, 'the partition to be seen as empty');
      expect(await admin.zcard(`${k}due:0`)).toBe(1);
      await driver.push(makeMessage('again', { chat: 'a', id: 'a2' }));
      await until(() => handled.length === 4, "chat a's next message handled");
      expect(handled.map((b) => b.chatKey).sort()).toEqual(['test-private_a', 'test-private_a', 'test-private_b', 'test-private_c']);
    } finally {
      await driver.close({ timeoutMs: 2000 });
      admin.disconnect();
    }
  });
});
