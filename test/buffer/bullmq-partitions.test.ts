import { randomUUID } from 'node:crypto';
import { describe, expect, inject, it } from 'vitest';
import { BullMQBufferDriver } from '../../core/buffer/index.js';
import { ConfigError } from '../../core/errors/index.js';
import { testDeps } from '../support/logger.js';

const policy = { debounceMs: 50, maxBatch: 10, maxWaitMs: 500 };

describe('BullMQ driver: the partition count', () => {
  it('is fixed by the first process on a prefix; a process with another count refuses to start, naming BUFFER_PARTITIONS', async () => {
    const prefix = `test:${randomUUID()}`;
    const make = (partitions: number) => new BullMQBufferDriver(policy, { redis: { url: inject('redisUrl'), prefix }, ...testDeps(), partitions });
    const first = make(8);
    const same = make(8);
    const other = make(16);
    try {
      await first.checkPartitions();
      await expect(same.checkPartitions()).resolves.toBeUndefined();
      const error = await other.checkPartitions().then(() => undefined, (e: unknown) => e);
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).variables).toEqual(['BUFFER_PARTITIONS']);
      expect((error as Error).message).toContain('split chats into 8 partitions');
    } finally {
      await Promise.all([first, same, other].map((d) => d.close({ timeoutMs: 1000 })));
    }
  });
});
