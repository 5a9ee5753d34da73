import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { describe, expect, inject, it } from 'vitest';
import { BullMQBufferDriver } from '../../core/buffer/index.js';
import { readStored, toStored } from '../../core/buffer/stored-message.js';
import { createInboundMessage, type Batch, type InboundMessage } from '../../core/message/index.js';
import { testDeps } from '../support/logger.js';
import { makeMessage, until } from '../support/messages.js';

/** A group message with every optional field and a text a hook rewrote (no longer the segments joined). */
function fullMessage(raw: unknown): InboundMessage {
  const m = createInboundMessage({
    adapter: 'onebot',
    botId: '10001',
    chatType: 'group',
    chatId: '42',
    userId: '7',
    userName: 'Alice "A" \u4f60\u597d',
    segments: [{ type: 'at', userId: '10001' }, { type: 'text', text: ' hi\n' }, { type: 'image', url: 'https://x/y.png' }],
    toMe: true,
    messageId: '99',
    time: 1_700_000_000_123,
    senderRole: 'admin',
    language: 'zh-hans',
    raw,
  });
  m.text = 'rewritten by a hook';
  return m;
}

describe('a buffered message as stored in Redis', () => {
  it('reads back every field, in the compact form, whatever the optional fields hold', () => {
    const plain = makeMessage('hello');
    const cases = [plain, fullMessage({ post_type: 'message', nested: [1, null, 'x'] }), fullMessage(null), fullMessage(0), { ...plain, text: '' }];
    for (const m of cases) {
      const stored = toStored(m);
      expect(stored.startsWith('[')).toBe(true);
      expect(readStored(stored, m.chatKey)).toStrictEqual(m);
    }
    // The chat key and a text that is the segments joined are not stored: the reader has them.
    expect(toStored(plain)).not.toContain(plain.chatKey);
    expect(toStored(plain).split('hello')).toHaveLength(2);
  });

  it('keeps a property beyond the model (a plugin added it) by storing the whole object', () => {
    const m = Object.assign(makeMessage('hi'), { mood: 'happy' });
    const stored = toStored(m);
    expect(stored.startsWith('{')).toBe(true);
    expect(readStored(stored, m.chatKey)).toStrictEqual(m);
  });

  it('reads a message stored as an object by an earlier version', () => {
    const m = fullMessage({ a: 1 });
    expect(readStored(JSON.stringify(m), m.chatKey)).toStrictEqual(m);
  });

  it('hands a consumer both forms from Redis, in order', async () => {
    const prefix = `test:${randomUUID()}`;
    const admin = new Redis(inject('redisUrl'));
    const driver = new BullMQBufferDriver({ debounceMs: 60_000, maxBatch: 10, maxWaitMs: 120_000 }, { redis: { url: inject('redisUrl'), prefix }, ...testDeps() });
    const batches: Batch[] = [];
    try {
      const first = fullMessage({ post_type: 'message' });
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
});
