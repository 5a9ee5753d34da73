import { randomUUID } from 'node:crypto';
import { inject } from 'vitest';
import { BullMQBufferDriver } from '../../core/buffer/index.js';
import { testDeps } from '../support/logger.js';
import { describeBufferContract } from './buffer.contract.js';

// Chats share partition jobs; with one partition, every chat of the test runs under the same job.
for (const partitions of [8, 1]) {
  describeBufferContract(
    `BullMQ driver on Redis, ${partitions} partition${partitions > 1 ? 's' : ''}`,
    () => {
      const prefix = `test:${randomUUID()}`;
      return {
        make: async (policy) => new BullMQBufferDriver(policy, { redis: { url: inject('redisUrl'), prefix }, ...testDeps(), lockMs: 2000, sweepMs: 1000, partitions }),
      };
    },
    { durable: true },
  );
}
