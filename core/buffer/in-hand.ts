import type { ChatKey } from '../message/index.js';

/**
 * What this process has in hand: the chats it runs batches of (by partition, whichever job claimed them),
 * and its claims still awaiting their reply. Shutdown waits for the chats' batches. A claim may take chats
 * in Redis and lose its reply (the connection dropped); a look that knows no other claim of this process on
 * the partition is unanswered can then tell Redis which of the chats held by this process are really in
 * hand, and have the others put back (CLAIM, recover 2).
 */
export class InHand {
  private readonly chats = new Map<number, Map<ChatKey, number>>();
  private readonly runs = new Set<Promise<void>>();
  private readonly claims = new Map<number, number>();

  /** Counts the chat in hand until `run` (its batches, never rejecting) settles. */
  add(part: number, chat: ChatKey, run: Promise<void>): void {
    let chats = this.chats.get(part);
    if (!chats) this.chats.set(part, (chats = new Map()));
    chats.set(chat, (chats.get(chat) ?? 0) + 1);
    this.runs.add(run);
    void run.finally(() => {
      this.runs.delete(run);
      const n = chats.get(chat) ?? 0;
      if (n > 1) chats.set(chat, n - 1);
      else chats.delete(chat);
    });
  }

  has(part: number, chat: ChatKey): boolean {
    return this.chats.get(part)?.has(chat) ?? false;
  }

  chatsOf(part: number): ChatKey[] {
    return [...(this.chats.get(part)?.keys() ?? [])];
  }

  /** Resolves once no chat is in hand, including chats added while waiting. */
  async settled(): Promise<void> {
    while (this.runs.size > 0) await Promise.all(this.runs);
  }

  /** Counts the claim as unanswered until the returned function runs. */
  claimStarted(part: number): () => void {
    this.claims.set(part, (this.claims.get(part) ?? 0) + 1);
    return () => this.claims.set(part, this.claims.get(part)! - 1);
  }

  claimsUnanswered(part: number): number {
    return this.claims.get(part) ?? 0;
  }
}
