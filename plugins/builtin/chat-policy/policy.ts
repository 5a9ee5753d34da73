import type { MessageEvent } from '../../../core/hooks/index.js';
import type { ChatPolicy } from '../../../core/pipeline/index.js';

/** The policy as an `im_message` handler: the message's default strategy by chat type, mention and wake words. */
export function chatPolicyHandler(policy: ChatPolicy): (event: MessageEvent) => void {
  // An empty word would match every text and turn every group message into a mention.
  const wakeWords = policy.wakeWords.map((w) => w.trim().toLowerCase()).filter((w) => w.length > 0);
  const mentioned = (event: MessageEvent): boolean => {
    if (event.message.toMe) return true;
    if (wakeWords.length === 0) return false;
    const text = event.message.text.toLowerCase();
    return wakeWords.some((w) => text.includes(w));
  };
  return (event) => {
    const strategy = event.message.chatType === 'private' ? policy.private : mentioned(event) ? policy.groupMentioned : policy.groupOther;
    event[strategy]();
  };
}
