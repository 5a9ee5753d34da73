import { describe, expect, it } from 'vitest';
import { ChatKeyError, NekomataError } from '../../core/errors/index.js';
import { formatChatKey, isAdapterName, isChatKey, parseChatKey, type ChatType } from '../../core/message/index.js';

describe('chat keys', () => {
  it.each<[string, ChatType, string, string]>([
    ['onebot', 'group', '12345', 'onebot-group_12345'],
    ['onebot', 'private', '10001', 'onebot-private_10001'],
    ['telegram', 'group', '-100123_7', 'telegram-group_-100123_7'],
    ['telegram', 'private', '-42', 'telegram-private_-42'],
    ['discord', 'group', '123_456_789', 'discord-group_123_456_789'],
    ['console', 'private', 'local', 'console-private_local'],
    ['my_bot2', 'group', 'a-b_c-d', 'my_bot2-group_a-b_c-d'],
    ['x', 'private', 'group_1', 'x-private_group_1'],
    ['onebot', 'group', '1-private_2', 'onebot-group_1-private_2'],
  ])('formats %s/%s/%s as %s and parses it back', (adapter, chatType, id, key) => {
    expect(formatChatKey(adapter, chatType, id)).toBe(key);
    expect(parseChatKey(key)).toEqual({ adapter, chatType, id });
    expect(isChatKey(key)).toBe(true);
  });

  it.each([
    '',
    'onebot',
    'onebot-group',
    'onebot-group_',
    'onebot-group1',
    'onebot_group_1',
    'onebot-channel_1',
    'onebot-Group_1',
    'OneBot-group_1',
    '1bot-group_1',
    '-group_1',
    'one-bot-group_1',
    ' onebot-group_1',
  ])('rejects the malformed key %j with ChatKeyError', (key) => {
    expect(isChatKey(key)).toBe(false);
    let caught: unknown;
    try {
      parseChatKey(key);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(ChatKeyError);
    expect(caught).toBeInstanceOf(NekomataError);
    const error = caught as ChatKeyError;
    expect(error.code).toBe('CHAT_KEY_INVALID');
    expect(error.chatKey).toBe(key);
    expect(error.message).toContain(`"${key}"`);
  });

  it.each<[string, string, string]>([
    ['an uppercase adapter', 'OneBot', '1'],
    ['an adapter with a dash', 'one-bot', '1'],
    ['an adapter starting with a digit', '2bot', '1'],
    ['an empty adapter', '', '1'],
    ['an empty id', 'onebot', ''],
  ])('refuses to format %s', (_name, adapter, id) => {
    expect(() => formatChatKey(adapter, 'group', id)).toThrow(ChatKeyError);
    try {
      formatChatKey(adapter, 'group', id);
    } catch (e) {
      expect((e as ChatKeyError).code).toBe('CHAT_KEY_INVALID');
    }
  });

  it('explains the expected form in the error message', () => {
    expect(() => parseChatKey('nope')).toThrow(/<adapter>-<private\|group>_<id>/);
  });

  it.each<[string, boolean]>([
    ['onebot', true],
    ['my_bot2', true],
    ['a', true],
    ['OneBot', false],
    ['one-bot', false],
    ['_bot', false],
    ['2bot', false],
    ['', false],
  ])('isAdapterName(%j) is %s', (name, expected) => {
    expect(isAdapterName(name)).toBe(expected);
  });
});

describe('formatChatKey chat types', () => {
  it('refuses a chat type other than private or group, even through a cast', () => {
    expect(() => formatChatKey('onebot', 'channel' as 'group', '1')).toThrow(expect.objectContaining({ code: 'CHAT_KEY_INVALID' }));
  });
});
