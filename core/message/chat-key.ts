import { ChatKeyError } from '../errors/index.js';

/** Whether a chat is one-to-one or many-to-many. Channels, supergroups and guild channels count as `group`. */
export type ChatType = 'private' | 'group';

/**
 * Identity of a chat across the framework, in Nekro Agent's form `<adapter>-<private|group>_<id>`,
 * e.g. `onebot-group_12345` or `telegram-group_-100123_7` (a forum topic). The id part may itself contain `_`.
 */
export type ChatKey = string;

export interface ChatKeyParts {
  adapter: string;
  chatType: ChatType;
  id: string;
}

// Adapter names are lowercase words so that the first '-' always ends them.
const ADAPTER_NAME = /^[a-z][a-z0-9_]*$/;
const CHAT_KEY = /^([a-z][a-z0-9_]*)-(private|group)_(.+)$/s;

export function isAdapterName(name: string): boolean {
  return ADAPTER_NAME.test(name);
}

export function formatChatKey(adapter: string, chatType: ChatType, id: string): ChatKey {
  const key = `${adapter}-${chatType}_${id}`;
  if (!isAdapterName(adapter) || (chatType !== 'private' && chatType !== 'group') || id.length === 0) throw new ChatKeyError(key);
  return key;
}

export function parseChatKey(chatKey: string): ChatKeyParts {
  const m = CHAT_KEY.exec(chatKey);
  if (!m) throw new ChatKeyError(chatKey);
  return { adapter: m[1]!, chatType: m[2] as ChatType, id: m[3]! };
}

export function isChatKey(value: string): boolean {
  return CHAT_KEY.test(value);
}
