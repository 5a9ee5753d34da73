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

/** The array form as versions before the field form wrote every message. */
function arrayForm(m: InboundMessage): string {
  const text = m.text === m.segments.map((s) => (s.type === 'text' ? s.text : '')).join('') ? 0 : m.text;
  const fields: unknown[] = [m.adapter, m.botId, m.chatType, m.chatId, m.userId, m.userName, m.segments, text, m.toMe, m.messageId, m.time, m.senderRole ?? null, m.language ?? null];
  if (m.raw !== undefined) fields.push(m.raw);
  return JSON.stringify(fields);
}

describe('a buffered message as stored in Redis', () => {
  it('reads back every field, in the field form, whatever the optional fields hold', () => {
    const plain = makeMessage('hello');
    const cases = [
      plain,
      fullMessage({ post_type: 'message', nested: [1, null, 'x'] }),
      fullMessage(null),
      fullMessage(0),
      fullMessage(''),
      { ...plain, text: '' },
      { ...plain, text: '=' },
      { ...plain, toMe: false, userName: '', language: 'en' },
      makeMessage(''),
      makeMessage('t'),
      makeMessage('j[1]'),
      makeMessage('a|b\n\u0000 \u4f60 \u{1f600}'),
    ];
    for (const m of cases) {
      const stored = toStored(m);
      expect(stored.startsWith('\u001f')).toBe(true);
      expect(readStored(stored, m.chatKey)).toStrictEqual(m);
    }
    // The chat key and a text that is the segments joined are not stored: the reader has them.
    expect(toStored(plain)).not.toContain(plain.chatKey);
    expect(toStored(plain).split('hello')).toHaveLength(2);
  });

  it('stores a message the field form cannot carry as a JSON array, and reads it back', () => {
    const sep = '\u001f';
    const cases = [
      { ...makeMessage('hi'), userName: `a${sep}b` },
      { ...makeMessage('hi'), messageId: `m${sep}` },
      makeMessage(`x${sep}y`),
      { ...makeMessage('hi'), text: `rewritten${sep}` },
      { ...makeMessage('hi'), language: sep },
      // The separator of a batch's items in the scripts' replies.
      { ...makeMessage('hi'), userName: 'a\u001eb' },
      makeMessage('x\u001ey'),
      // UTF-8 has no lone surrogate: Redis would get U+FFFD, where JSON escapes it.
      makeMessage('broken \ud800 pair'),
      { ...makeMessage('hi'), userName: '\udc00' },
    ];
    for (const m of cases) {
      const stored = toStored(m);
      expect(stored.startsWith('[')).toBe(true);
      expect(readStored(stored, m.chatKey)).toStrictEqual(m);
    }
  });

  it('keeps a property beyond the model (a plugin added it) by storing the whole object', () => {
    const m = Object.assign(makeMessage('hi'), { mood: 'happy' });
    const stored = toStored(m);
    expect(stored.startsWith('{')).toBe(true);
    expect(readStored(stored, m.chatKey)).toStrictEqual(m);
  });

  it('keeps a property a plugin added to a text segment', () => {
    const m = makeMessage('hi');
    m.segments = [{ type: 'text', text: 'hi', ...{ lang: 'en' } }];
    expect(readStored(toStored(m), m.chatKey)).toStrictEqual(m);
  });

  it('reads the forms earlier versions stored: the object and the JSON array', () => {
    for (const m of [fullMessage({ a: 1 }), makeMessage('hello'), { ...makeMessage('hi'), text: '' }]) {
      expect(readStored(JSON.stringify(m), m.chatKey)).toStrictEqual(m);
      expect(readStored(arrayForm(m), m.chatKey)).toStrictEqual(m);
    }
  });
});
