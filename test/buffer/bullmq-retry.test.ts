import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { describe, expect, inject, it } from 'vitest';
import { BullMQBufferDriver } from '../../core/buffer/index.js';
import { UnavailableError } from '../../core/errors/index.js';
import type { Batch } from '../../core/message/index.js';
import { testDeps } from '../support/logger.js';
import { makeMessage, sleep, until } from '../support/messages.js';

const policy = { debounceMs: 30, maxBatch: 10, maxWaitMs: 300 };

describe('BullMQ driver: a batch whose handler could not reach Redis or a gateway', () => {
  it('is not acknowledged: it runs again, whole, and then the chat goes on', async () => {
    const deps = testDeps();
    const driver = new BullMQBufferDriver(policy, { redis: { url: inject('redisUrl'), prefix: `test:${randomUUID()}` }, ...deps, partitions: 1 });
    const runs: string[][] = [];
    driver.consume(async (batch: Batch) => {
      runs.push(batch.messages.map((m) => m.text));
      if (runs.length === 1) throw new UnavailableError('the outbox did not answer');
    }, { concurrency: 2 });
    try {
      await Promise.all([driver.push(makeMessage('a1', { chat: 'a' })), driver.push(makeMessage('a2', { chat: 'a' }))]);
      await until(() => runs.length === 2, 'the batch to run again');
      await driver.push(makeMessage('a3', { chat: 'a' }));
      await until(() => runs.length === 3, "the chat's next batch");
      expect(runs).toEqual([['a1', 'a2'], ['a1', 'a2'], ['a3']]);
      expect(deps.metrics.get('batch_retries_total')).toBe(1);
      expect(deps.metrics.get('batch_errors_total')).toBe(0);
    } finally {
      await driver.close({ timeoutMs: 2000 });
    }
  });

  it('other handler errors drop the batch, as before', async () => {
    const deps = testDeps();
    const driver = new BullMQBufferDriver(policy, { redis: { url: inject('redisUrl'), prefix: `test:${randomUUID()}` }, ...deps, partitions: 1 });
    const runs: string[][] = [];
    driver.consume(async (batch: Batch) => {
      runs.push(batch.messages.map((m) => m.text));
      if (runs.length === 1) throw new Error('plugin bug');
    }, { concurrency: 2 });
    try {
      await driver.push(makeMessage('a1', { chat: 'a' }));
      await until(() => runs.length === 1, 'the batch');
      await sleep(1500);
      await driver.push(makeMessage('a2', { chat: 'a' }));
      await until(() => runs.length === 2, "the chat's next batch");
      expect(runs).toEqual([['a1'], ['a2']]);
      expect(deps.metrics.get('batch_errors_total')).toBe(1);
    } finally {
      await driver.close({ timeoutMs: 2000 });
    }
  });
});

describe('BullMQ driver: the late ack of a process whose chat was taken over', () => {
  it('trims nothing, so that the new holder runs the batch from the same head (and its replies keep their keys)', async () => {
    const prefix = `test:${randomUUID()}`;
    const driver = new BullMQBufferDriver(policy, { redis: { url: inject('redisUrl'), prefix }, ...testDeps(), partitions: 1 });
    const admin = new Redis(inject('redisUrl'));
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let started = false;
    let finished = false;
    driver.consume(async () => {
      started = true;
      await gate;
      finished = true;
    }, { concurrency: 1 });
    try {
      await Promise.all([driver.push(makeMessage('a1', { chat: 'a' })), driver.push(makeMessage('a2', { chat: 'a' }))]);
      await until(() => started, 'the batch to start');
      // Another process took the chat over, as it does once this one's lease has lapsed (an outage).
      await admin.hset(`${prefix}:buffer:held:0`, 'test-private_a', 'another-process');
      release();
      await until(() => finished, 'the batch to finish');
      await sleep(200);
      expect(await admin.lrange(`${prefix}:buffer:msgs:test-private_a`, 0, -1)).toHaveLength(2);
    } finally {
      release();
      await driver.close({ timeoutMs: 2000 });
      admin.disconnect();
    }
  });
});
