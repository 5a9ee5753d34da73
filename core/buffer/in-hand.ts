import type { ChatKey } from '../message/index.js';

/**
 * What this process has in hand, per partition: the chats it runs batches of, and its claims still awaiting
 * their reply. A claim may take chats in Redis and lose its reply (the connection dropped); a look that knows
 * no other claim of this process on the partition is unanswered can then tell Redis which of the chats held
 * by this process are really in hand, and have the others put back (CLAIM, recover 2).
 */
export class InHand {
  private readonly chats = new Map<number, Map<ChatKey, number>>();
  private readonly claims = new Map<number, number>();

  addChat(part: number, chat: ChatKey): void {
    let chats = this.chats.get(part);
    if (!chats) this.chats.set(part, (chats = new Map()));
    chats.set(chat, (chats.get(chat) ?? 0) + 1);
  }

  removeChat(part: number, chat: ChatKey): void {
    const chats = this.chats.get(part);
    const n = chats?.get(chat) ?? 0;
    if (n > 1) chats!.set(chat, n - 1);
    else chats?.delete(chat);
  }

  chatsOf(part: number): ChatKey[] {
    return [...(this.chats.get(part)?.keys() ?? [])];
  }

  /** Counts the claim as unanswered until `settled` runs. */
  claimStarted(part: number): () => void {
    this.claims.set(part, (this.claims.get(part) ?? 0) + 1);
    return () => this.claims.set(part, this.claims.get(part)! - 1);
  }

  claimsUnanswered(part: number): number {
    return this.claims.get(part) ?? 0;
  }
}
