// Imports the hooks folder, not core/index.ts: the app assembly installs this policy, and core/index.ts re-exports the assembly.
import { Priority, type Disposer, type HookRegistry, type MessageEvent, type Strategy } from '../../core/hooks/index.js';

/** What to do with a message that no plugin has an opinion on. */
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

export const CHAT_POLICY_OWNER = 'builtin.chat_policy';

/**
 * The default chat policy, as a hook at SYS_HIGH: it runs first, so any plugin hook after it can change
 * the decision (last call wins) or lock another with `force`.
 */
export function installChatPolicy(hooks: HookRegistry, policy: ChatPolicy = defaultChatPolicy): Disposer {
  // An empty word would match every text and turn every group message into a mention.
  const wakeWords = policy.wakeWords.map((w) => w.trim().toLowerCase()).filter((w) => w.length > 0);
  const mentioned = (event: MessageEvent): boolean => {
    if (event.message.toMe) return true;
    if (wakeWords.length === 0) return false;
    const text = event.message.text.toLowerCase();
    return wakeWords.some((w) => text.includes(w));
  };
  return hooks.on(
    'im_message',
    (event) => {
      const strategy =
        event.message.chatType === 'private' ? policy.private : mentioned(event) ? policy.groupMentioned : policy.groupOther;
      event[strategy]();
    },
    { priority: Priority.SYS_HIGH, owner: CHAT_POLICY_OWNER },
  );
}
