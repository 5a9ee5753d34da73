import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { describe, expect, inject, it, vi } from 'vitest';
import { BullMQBufferDriver, type PushResult } from '../../core/buffer/index.js';
import { createInboundMessage, type Batch } from '../../core/message/index.js';
import { testDeps } from '../support/logger.js';
import { makeMessage, until } from '../support/messages.js';

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
      // One event-loop turn: one call, each chat's pushes together, in order: runs a a a | b b | c.
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

  it('sends a call as soon as it holds 64 pushes, without waiting for the end of the event-loop turn', async () => {
    const driver = new BullMQBufferDriver(policy, { redis: { url: inject('redisUrl'), prefix: `test:${randomUUID()}` }, ...testDeps() });
    // Watches the commands handed to the push connection's socket (they still go to Redis): its scripts are the push calls.
    const sent = vi.spyOn(Redis.prototype, 'sendCommand');
    const pushCalls = (): number =>
      sent.mock.calls.filter(([command], i) => (sent.mock.contexts[i] as Redis).options.connectionName === 'nekomata:buffer-push' && /^eval/.test(command.name)).length;
    try {
      await driver.push(makeMessage('warm', { chat: 'w' }));
      sent.mockClear();
      const pushes = Array.from({ length: 63 }, (_, i) => driver.push(makeMessage(`m${i}`, { chat: `c${i % 7}` })));
      expect(pushCalls()).toBe(0);
      pushes.push(driver.push(makeMessage('m63', { chat: 'c0' })));
      // Still in the turn that queued them: the full call is with Redis already.
      expect(pushCalls()).toBe(1);
      pushes.push(driver.push(makeMessage('m64', { chat: 'c1' })));
      expect(pushCalls()).toBe(1);
      const results = await Promise.all(pushes);
      // The one left over went in its own call at the end of the turn, behind the first.
      expect(pushCalls()).toBe(2);
      // c1's tenth message (nine of the first 63 went to c1), numbered after the first call's.
      expect(results.at(-1)).toEqual({ seq: 10, pending: 10 });
    } finally {
      sent.mockRestore();
      await driver.close({ timeoutMs: 2000 });
    }
  });
});

describe('BullMQ driver: a turn of interleaved bursts', () => {
  it("stores each chat's pushes of a call as one run, in the order they were made", async () => {
    const driver = new BullMQBufferDriver(policy, { redis: { url: inject('redisUrl'), prefix: `test:${randomUUID()}` }, ...testDeps() });
    const sent = vi.spyOn(Redis.prototype, 'sendCommand');
    try {
      await driver.push(makeMessage('warm', { chat: 'w' }));
      sent.mockClear();
      // As the pipeline hands a wave over: one message of each chat in turn.
      const order = ['a1', 'b1', 'c1', 'a2', 'b2', 'a3', 'flush-b', 'c2'];
      const results = await Promise.all(order.map((t) => driver.push(makeMessage(t, { chat: t[0] === 'f' ? 'b' : t[0] }), t === 'flush-b' ? 'flush' : 'buffer')));
      const calls = sent.mock.calls.filter(([command], i) => (sent.mock.contexts[i] as Redis).options.connectionName === 'nekomata:buffer-push' && /^eval/.test(command.name));
      expect(calls).toHaveLength(1);
      // PUSH_MANY's arguments name each message's chat (`<mode><partition>:<chatKey>`), in the order stored.
      const stored = calls[0]![0].args.map(String).filter((a) => /^[bft]\d+:/.test(a)).map((a) => `${a[0]}${a.slice(a.indexOf(':') + 1)}`);
      expect(stored).toEqual(['btest-private_a', 'btest-private_a', 'btest-private_a', 'btest-private_b', 'btest-private_b', 'ftest-private_b', 'btest-private_c', 'btest-private_c']);
      expect(results.map((r) => r.seq)).toEqual([1, 1, 1, 2, 2, 3, 3, 2]);
    } finally {
      sent.mockRestore();
      await driver.close({ timeoutMs: 2000 });
    }
  });
});

describe('BullMQ driver: push times', () => {
  it("gives a turn's pushes one push time, across calls, and a later turn its own", async () => {
    const prefix = `test:${randomUUID()}`;
    const admin = new Redis(inject('redisUrl'));
    const driver = new BullMQBufferDriver(policy, { redis: { url: inject('redisUrl'), prefix }, ...testDeps() });
    const spin = (ms: number): void => {
      for (const until = Date.now() + ms; Date.now() < until; );
    };
    try {
      // 70 in one turn: a call of 64 sent at once, the rest at the end of the turn; the clock moves meanwhile.
      const turn = Array.from({ length: 70 }, (_, i) => {
        if (i === 64) spin(3);
        return driver.push(makeMessage(`m${i}`, { chat: 'x' }));
      });
      await Promise.all(turn);
      spin(3);
      await driver.push(makeMessage('later', { chat: 'x' }));
      const times = (await admin.lrange(`${prefix}:buffer:msgs:test-private_x`, 0, -1)).map((item) => Number(item.split('|')[1]));
      expect(times).toHaveLength(71);
      expect(new Set(times.slice(0, 70)).size).toBe(1);
      expect(times[70]! - times[0]!).toBeGreaterThanOrEqual(3);
    } finally {
      await driver.close({ timeoutMs: 2000 });
      admin.disconnect();
    }
  });
});

describe('BullMQ driver: the messages as stored', () => {
  it('hands a consumer its messages whole, those an earlier version stored as objects included, in order', async () => {
    const prefix = `test:${randomUUID()}`;
    const admin = new Redis(inject('redisUrl'));
    const driver = new BullMQBufferDriver({ debounceMs: 60_000, maxBatch: 10, maxWaitMs: 120_000 }, { redis: { url: inject('redisUrl'), prefix }, ...testDeps() });
    const batches: Batch[] = [];
    try {
      // Every optional field, and a text a hook rewrote: what the compact form leaves out must come back.
      const first = createInboundMessage({
        adapter: 'onebot',
        botId: '10001',
        chatType: 'group',
        chatId: '42',
        userId: '7',
        userName: 'Alice',
        segments: [{ type: 'at', userId: '10001' }, { type: 'text', text: ' hi' }],
        toMe: true,
        messageId: '99',
        senderRole: 'admin',
        language: 'zh-hans',
        raw: { post_type: 'message' },
      });
      first.text = 'rewritten by a hook';
      const second = { ...first, messageId: '100', text: first.text + '!' };
      await driver.push(first);
      await driver.push(second);
      // The first as an earlier version stored it: `seq|ts|` and the object.
      const key = `${prefix}:buffer:msgs:${first.chatKey}`;
      const [item] = await admin.lrange(key, 0, 0);
      const head = item!.slice(0, item!.indexOf('|', item!.indexOf('|') + 1) + 1);
      await admin.lset(key, 0, head + JSON.stringify(first));
      driver.consume(async (batch) => void batches.push(batch), { concurrency: 1 });
      await driver.push({ ...first, messageId: '101' }, 'flush');
      await until(() => batches.length === 1, 'the flushed batch');
      expect(batches[0]!.messages).toStrictEqual([first, second, { ...first, messageId: '101' }]);
    } finally {
      await driver.close({ timeoutMs: 2000 });
      admin.disconnect();
    }
  });

  it('hands back every text exactly, those the field form cannot carry included', async () => {
    const driver = new BullMQBufferDriver({ debounceMs: 60_000, maxBatch: 10, maxWaitMs: 120_000 }, { redis: { url: inject('redisUrl'), prefix: `test:${randomUUID()}` }, ...testDeps() });
    const batches: Batch[] = [];
    try {
      // A lone surrogate has no UTF-8 form (Redis would get U+FFFD), U+001F splits the field form and U+001E a
      // batch's items in the scripts' replies: those go as JSON. The others take the field form.
      const texts = ['plain', 'lone \ud800 surrogate', 'unit \u001f separator', 'record \u001e separator', '\u{1f600} \u4f60\u597d', '', 'tail\udc00'];
      const messages = texts.map((text) => makeMessage(text, { chat: 'exact' }));
      for (const m of messages.slice(0, -1)) await driver.push(m);
      driver.consume(async (batch) => void batches.push(batch), { concurrency: 1 });
      await driver.push(messages.at(-1)!, 'flush');
      await until(() => batches.length === 1, 'the flushed batch');
      expect(batches[0]!.messages).toStrictEqual(messages);
    } finally {
      await driver.close({ timeoutMs: 2000 });
    }
  });
});
