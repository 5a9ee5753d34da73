import type { Strategy } from '../hooks/index.js';

/**
 * What happens to a message no plugin has an opinion on (`CHAT_*` settings). The built-in chat policy plugin
 * applies it as the first `im_message` hook; every plugin hook after it may change the decision.
 */
export interface ChatPolicy {
  /** Private chats. Default `buffer`. */
  private: Strategy;
  /** Group messages addressed to the bot (@, reply, or a wake word). Default `buffer`. */
  groupMentioned: Strategy;
  /** Other group messages. Default `record`: kept as context, nothing triggered. */
  groupOther: Strategy;
  /** Words that address the bot in a group as an @ would (matched case-insensitively). */
  wakeWords: string[];
}

export const defaultChatPolicy: ChatPolicy = { private: 'buffer', groupMentioned: 'buffer', groupOther: 'record', wakeWords: [] };
