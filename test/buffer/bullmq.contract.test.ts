import { randomUUID } from 'node:crypto';
import { inject } from 'vitest';
import { BullMQBufferDriver } from '../../core/buffer/index.js';
import { testDeps } from '../support/logger.js';
import { describeBufferContract } from './buffer.contract.js';

describeBufferContract(
  'BullMQ driver on Redis',
  () => {
    const prefix = `test:${randomUUID()}`;
    return {
      make: async (policy) => new BullMQBufferDriver(policy, { redis: { url: inject('redisUrl'), prefix }, ...testDeps(), lockMs: 2000, sweepMs: 1000 }),
    };
  },
  { durable: true },
);
