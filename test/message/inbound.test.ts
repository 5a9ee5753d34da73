import { afterEach, describe, expect, it, vi } from 'vitest';
import { NekomataError, ValidationError } from '../../core/errors/index.js';
import { createInboundMessage, parseChatKey, type InboundMessageInput } from '../../core/message/index.js';

function input(over: Partial<Record<keyof InboundMessageInput, unknown>> = {}): InboundMessageInput {
  return {
    adapter: 'onebot',
    botId: 'bot1',
    chatType: 'group',
    chatId: '12345',
    userId: '10001',
    userName: 'Alice',
    segments: [{ type: 'text', text: 'hello' }],
    messageId: 'm1',
    time: 1_700_000_000_000,
    ...over,
  } as InboundMessageInput;
}

function validationErrorOf(value: InboundMessageInput): ValidationError {
  try {
    createInboundMessage(value);
  } catch (e) {
    expect(e).toBeInstanceOf(ValidationError);
    expect(e).toBeInstanceOf(NekomataError);
    return e as ValidationError;
  }
  throw new Error('expected createInboundMessage to throw');
}

afterEach(() => {
  vi.useRealTimers();
});

describe('createInboundMessage', () => {
  it('keeps what the adapter supplied and derives the chat key', () => {
    const raw = { post_type: 'message' };
    const m = createInboundMessage(input({ raw }));
    expect(m).toEqual({
      adapter: 'onebot',
      botId: 'bot1',
      chatKey: 'onebot-group_12345',
      chatType: 'group',
      chatId: '12345',
      userId: '10001',
      userName: 'Alice',
      segments: [{ type: 'text', text: 'hello' }],
      text: 'hello',
      toMe: false,
      messageId: 'm1',
      time: 1_700_000_000_000,
      raw,
    });
  });

  it.each<[string, string, string]>([
    ['private', '10001', 'onebot-private_10001'],
    ['group', '12345', 'onebot-group_12345'],
    ['group', '-100123_7', 'onebot-group_-100123_7'],
  ])('derives the %s chat key for chat %s', (chatType, chatId, key) => {
    const m = createInboundMessage(input({ chatType, chatId }));
    expect(m.chatKey).toBe(key);
    expect(parseChatKey(m.chatKey)).toEqual({ adapter: 'onebot', chatType, id: chatId });
  });

  it('builds text from the text segments only, in order', () => {
    const m = createInboundMessage(
      input({
        segments: [
          { type: 'reply', messageId: '7', text: 'quoted' },
          { type: 'at', userId: 'bot1', name: 'Bot' },
          { type: 'text', text: 'look ' },
          { type: 'image', url: 'http://x/cat.png', name: 'cat.png' },
          { type: 'text', text: 'at this' },
          { type: 'face', id: '14' },
        ],
      }),
    );
    expect(m.text).toBe('look at this');
    expect(m.segments).toHaveLength(6);
  });

  it('has empty text when there are no text segments', () => {
    expect(createInboundMessage(input({ segments: [{ type: 'image', url: 'x' }] })).text).toBe('');
    expect(createInboundMessage(input({ segments: [] })).text).toBe('');
  });

  it.each<[string, string, boolean | undefined, boolean]>([
    ['a private chat without toMe', 'private', undefined, true],
    ['a group chat without toMe', 'group', undefined, false],
    ['a group chat with toMe true', 'group', true, true],
    ['a private chat with toMe false', 'private', false, false],
    ['a group chat with toMe false', 'group', false, false],
  ])('sets toMe for %s', (_name, chatType, toMe, expected) => {
    const over: Record<string, unknown> = { chatType };
    if (toMe !== undefined) over.toMe = toMe;
    expect(createInboundMessage(input(over)).toMe).toBe(expected);
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['missing', { userName: undefined }, '10001'],
    ['empty', { userName: '' }, '10001'],
    ['given', { userName: 'Bob' }, 'Bob'],
  ])('uses the user id as userName when it is %s', (_name, over, expected) => {
    expect(createInboundMessage(input(over)).userName).toBe(expected);
  });

  it('stamps the current time when none is given', () => {
    vi.useFakeTimers();
    vi.setSystemTime(new Date('2024-05-01T12:00:00Z'));
    expect(createInboundMessage(input({ time: undefined })).time).toBe(Date.parse('2024-05-01T12:00:00Z'));
  });

  it('keeps a given time of 0', () => {
    expect(createInboundMessage(input({ time: 0 })).time).toBe(0);
  });

  it('leaves raw out when none is given', () => {
    expect(createInboundMessage(input())).not.toHaveProperty('raw');
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['an uppercase adapter name', { adapter: 'OneBot' }, 'adapter'],
    ['an adapter name with a dash', { adapter: 'one-bot' }, 'adapter'],
    ['an empty adapter name', { adapter: '' }, 'adapter'],
    ['an empty messageId', { messageId: '' }, 'messageId'],
    ['a missing messageId', { messageId: undefined }, 'messageId'],
    ['an empty botId', { botId: '' }, 'botId'],
    ['an empty chatId', { chatId: '' }, 'chatId'],
    ['an empty userId', { userId: '' }, 'userId'],
    ['a numeric userId', { userId: 10001 }, 'userId'],
    ['an unknown chat type', { chatType: 'channel' }, 'chatType'],
    ['a string toMe', { toMe: 'yes' }, 'toMe'],
    ['a negative time', { time: -1 }, 'time'],
    ['a fractional time', { time: 1.5 }, 'time'],
    ['a string time', { time: '1700000000000' }, 'time'],
    ['segments that are not an array', { segments: 'hello' }, 'segments'],
    ['an unknown segment type', { segments: [{ type: 'sticker', id: '1' }] }, 'segments.0.type'],
    ['an at segment without userId', { segments: [{ type: 'text', text: 'hi' }, { type: 'at' }] }, 'segments.1.userId'],
    ['an at segment with an empty userId', { segments: [{ type: 'at', userId: '' }] }, 'segments.0.userId'],
    ['a text segment without text', { segments: [{ type: 'text' }] }, 'segments.0.text'],
    ['a reply segment without messageId', { segments: [{ type: 'reply' }] }, 'segments.0.messageId'],
    ['an image with a negative size', { segments: [{ type: 'image', size: -1 }] }, 'segments.0.size'],
    ['a raw segment without data', { segments: [{ type: 'raw', platform: 'qq', kind: 'dice' }] }, 'segments.0.data'],
  ])('rejects %s with a ValidationError naming %s', (_name, over, path) => {
    const error = validationErrorOf(input(over));
    expect(error.code).toBe('VALIDATION_FAILED');
    expect(error.what).toBe('inbound message');
    expect(error.issues.some((issue) => issue.startsWith(`${path}: `))).toBe(true);
    expect(error.message).toContain(`${path}: `);
  });

  it('names every offending field at once', () => {
    const error = validationErrorOf(input({ adapter: 'OneBot', messageId: '', toMe: 1 }));
    const paths = error.issues.map((issue) => issue.split(': ')[0]);
    expect(paths).toEqual(expect.arrayContaining(['adapter', 'messageId', 'toMe']));
    expect(error.issues).toHaveLength(3);
  });

  it('rejects a non-object input with a ValidationError', () => {
    const error = validationErrorOf(null as unknown as InboundMessageInput);
    expect(error.code).toBe('VALIDATION_FAILED');
    expect(error.issues).toHaveLength(1);
  });
});
