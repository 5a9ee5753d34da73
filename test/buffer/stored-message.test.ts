import { describe, expect, it } from 'vitest';
import { readStored, toStored } from '../../core/buffer/stored-message.js';
import { createInboundMessage, type InboundMessage } from '../../core/message/index.js';
import { makeMessage } from '../support/messages.js';

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
});
