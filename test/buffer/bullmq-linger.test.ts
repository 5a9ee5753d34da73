import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { describe, expect, inject, it, vi } from 'vitest';
import { BullMQBufferDriver } from '../../core/buffer/index.js';
import type { Batch } from '../../core/message/index.js';
import { testDeps } from '../support/logger.js';
import { makeMessage, sleep, until } from '../support/messages.js';

const policy = { debounceMs: 50, maxBatch: 10, maxWaitMs: 500 };

describe('BullMQ driver: a partition job with nothing to do', () => {
  it('keeps looking through a pause in its traffic, so the next push needs no new job', async () => {
    const driver = new BullMQBufferDriver(policy, { redis: { url: inject('redisUrl'), prefix: `test:${randomUUID()}` }, ...testDeps(), partitions: 1, lingerMs: 10_000 });
    const batches: Batch[] = [];
    const adds = vi.spyOn(Queue.prototype, 'add');
    try {
      driver.consume(async (batch) => void batches.push(batch), { concurrency: 4 });
      await driver.push(makeMessage('a', { chat: 'x' }));
      await until(() => batches.length === 1, 'the first batch');
      // Nothing due and nothing in flight: a job that completed now would have to be added again.
      await sleep(150);
      await driver.push(makeMessage('b', { chat: 'y' }));
      await until(() => batches.length === 2, 'the second batch');
      expect(adds).toHaveBeenCalledTimes(1);
    } finally {
      adds.mockRestore();
      await driver.close({ timeoutMs: 2000 });
    }
  });

  it('completes once it has had nothing to do for its linger time, and the next push asks for a job again', async () => {
    const prefix = `test:${randomUUID()}`;
    const admin = new Redis(inject('redisUrl'));
    const driver = new BullMQBufferDriver(policy, { redis: { url: inject('redisUrl'), prefix }, ...testDeps(), partitions: 1, lingerMs: 100 });
    const batches: Batch[] = [];
    try {
      driver.consume(async (batch) => void batches.push(batch), { concurrency: 4 });
      await driver.push(makeMessage('a', { chat: 'x' }));
      await until(() => batches.length === 1, 'the first batch');
      // The job completed: no look is due, and BullMQ holds no job of the partition.
      const bull = `${prefix}:bull:flush`;
      const state = async () => ({
        wake: await admin.get(`${prefix}:buffer:wake:0`),
        jobs: (await admin.zcard(`${bull}:delayed`)) + (await admin.llen(`${bull}:active`)) + (await admin.llen(`${bull}:wait`)),
      });
      for (let tries = 0; ; tries++) {
        const now = await state();
        if (now.wake === null && now.jobs === 0) break;
        if (tries > 200) throw new Error(`the job did not complete: ${JSON.stringify(now)}`);
        await sleep(20);
      }
      await driver.push(makeMessage('b', { chat: 'y' }));
      await until(() => batches.length === 2, 'the second batch');
    } finally {
      await driver.close({ timeoutMs: 2000 });
      admin.disconnect();
    }
  });
});
