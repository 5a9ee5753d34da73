import { randomUUID } from 'node:crypto';
import { describe, expect, inject, it } from 'vitest';
import { BullMQBufferDriver } from '../../core/buffer/index.js';
import { ConfigError } from '../../core/errors/index.js';
import { testDeps } from '../support/logger.js';
import { makeMessage, until } from '../support/messages.js';

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

describe('BullMQ driver: a busy worker does not hold chats an idle one could serve', () => {
  it('hands a partition on when it has no free slot, while its own batch goes on', async () => {
    const prefix = `test:${randomUUID()}`;
    // One partition, one slot each: without the hand-on, chat b would wait for chat a's batch.
    const make = () => new BullMQBufferDriver(policy, { redis: { url: inject('redisUrl'), prefix }, ...testDeps(), partitions: 1, lockMs: 2000, sweepMs: 1000 });
    const [one, two] = [make(), make()];
    let releaseA!: () => void;
    const aBlocked = new Promise<void>((r) => (releaseA = r));
    const handled: { chat: string; by: string }[] = [];
    const consume = (d: BullMQBufferDriver, by: string) =>
      d.consume(async (batch) => {
        handled.push({ chat: batch.chatKey, by });
        if (batch.chatKey === 'test-private_a') await aBlocked;
      }, { concurrency: 1 });
    consume(one, 'one');
    consume(two, 'two');
    try {
      await one.push(makeMessage('first', { chat: 'a', id: 'a1' }));
      await until(() => handled.length === 1, 'chat a taken');
      await one.push(makeMessage('second', { chat: 'b', id: 'b1' }));
      await until(() => handled.length === 2, 'chat b handled while a is still running');
      expect(handled[0]!.chat).toBe('test-private_a');
      expect(handled[1]!.chat).toBe('test-private_b');
      expect(handled[1]!.by).not.toBe(handled[0]!.by);
    } finally {
      releaseA();
      await Promise.all([one, two].map((d) => d.close({ timeoutMs: 2000 })));
    }
  });
});

/** A driver on a fresh prefix with one partition (every chat in the same job). */
const onePartition = (extra: { sweepMs?: number } = {}) =>
  new BullMQBufferDriver(policy, { redis: { url: inject('redisUrl'), prefix: `test:${randomUUID()}` }, ...testDeps(), partitions: 1, ...extra });

type ScriptCall = (...args: unknown[]) => Promise<unknown>;

/**
 * Fault injection on the driver's real connection: `around` sees each call of the Lua script `name` with the
 * real call to make. ioredis's auto-pipeline copies the connection's script methods onto its pipeline and
 * calls them there; those inner calls go straight through.
 */
function interceptScript(driver: BullMQBufferDriver, name: string, around: (call: ScriptCall, args: unknown[]) => Promise<unknown>): void {
  const redis = (driver as unknown as { redis: Record<string, (this: unknown, ...args: unknown[]) => Promise<unknown>> }).redis;
  const original = redis[name]!;
  redis[name] = function (this: unknown, ...args: unknown[]) {
    if (this !== redis) return original.apply(this, args);
    return around((...a) => original.apply(this, a), args);
  };
}

describe('BullMQ driver: slots bound handlers, not acknowledgements', () => {
  it("runs another chat's batch while a finished batch's ack is still on its way to Redis", async () => {
    const driver = onePartition();
    // Chat a's first ack waits at the client until released.
    let releaseAck!: () => void;
    const ackGate = new Promise<void>((r) => (releaseAck = r));
    let ackHeld = false;
    interceptScript(driver, 'nkAckMany', async (call, args) => {
      if (args.includes('test-private_a') && !ackHeld) {
        ackHeld = true;
        await ackGate;
      }
      return call(...args);
    });
    const handled: string[] = [];
    driver.consume(async (batch) => void handled.push(batch.messages.map((m) => m.messageId).join()), { concurrency: 1 });
    try {
      await driver.push(makeMessage('first', { chat: 'a', id: 'a1' }));
      await until(() => ackHeld, "chat a's batch handled and its ack on its way");
      await driver.push(makeMessage('second', { chat: 'b', id: 'b1' }));
      await until(() => handled.includes('b1'), "chat b handled while a's ack is pending");
      releaseAck();
      await driver.push(makeMessage('third', { chat: 'a', id: 'a2' }));
      await until(() => handled.includes('a2'), "chat a's next batch after its ack");
      expect(handled).toEqual(['a1', 'b1', 'a2']);
    } finally {
      releaseAck();
      await driver.close({ timeoutMs: 2000 });
    }
  });
});

describe('BullMQ driver: a claim whose reply is lost', () => {
  it('takes back the chats that claim held in Redis, instead of keeping them held for nobody', async () => {
    const driver = onePartition();
    // The claim that takes chat a runs in Redis, then its reply is lost, as when the connection drops
    // between the two (a Redis restart).
    let lost = 0;
    interceptScript(driver, 'nkClaim', async (call, args) => {
      const reply = (await call(...args)) as unknown[];
      if (lost === 0 && reply.includes('test-private_a')) {
        lost++;
        throw new Error('Connection is closed.');
      }
      return reply;
    });
    const handled: string[] = [];
    driver.consume(async (batch) => void handled.push(...batch.messages.map((m) => m.messageId)), { concurrency: 4 });
    try {
      await driver.push(makeMessage('first', { chat: 'a', id: 'a1' }));
      await until(() => lost === 1, 'the claim of chat a to lose its reply');
      await until(() => handled.includes('a1'), 'chat a handled after all', 10_000);
      await driver.push(makeMessage('second', { chat: 'a', id: 'a2' }));
      await until(() => handled.includes('a2'), "chat a's next message handled");
      expect(handled).toEqual(['a1', 'a2']);
    } finally {
      await driver.close({ timeoutMs: 2000 });
    }
  });

  it('takes them back too when the claim was sent again and its second reply arrived (ioredis resends)', async () => {
    const driver = onePartition({ sweepMs: 300 });
    // The claim that takes chat a runs twice in Redis and only the second reply arrives: the run goes on
    // without chat a, the partition empties and its job completes; the sweeper then finds a overdue. Chat b's
    // batch keeps the run going, so that the claim of a is not the run's first look (which recovers).
    let resent = 0;
    interceptScript(driver, 'nkClaim', async (call, args) => {
      const reply = (await call(...args)) as unknown[];
      if (resent === 0 && reply.includes('test-private_a')) {
        resent++;
        return call(...args);
      }
      return reply;
    });
    let releaseB!: () => void;
    const bGate = new Promise<void>((r) => (releaseB = r));
    const handled: string[] = [];
    driver.consume(async (batch) => {
      if (batch.chatKey === 'test-private_b') await bGate;
      handled.push(...batch.messages.map((m) => m.messageId));
    }, { concurrency: 4 });
    try {
      await driver.push(makeMessage('first', { chat: 'b', id: 'b1' }));
      await new Promise((r) => setTimeout(r, policy.debounceMs + 100));
      await driver.push(makeMessage('second', { chat: 'a', id: 'a1' }));
      await until(() => resent === 1, 'the claim of chat a to be sent again');
      releaseB();
      await until(() => handled.includes('a1'), 'chat a handled after all', 10_000);
      expect(handled).toEqual(['b1', 'a1']);
    } finally {
      releaseB();
      await driver.close({ timeoutMs: 2000 });
    }
  });
});
