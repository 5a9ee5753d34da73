import type { BufferPolicy } from '../core/buffer/index.js';
import type { Batch, ChatKey, InboundMessage } from '../core/message/index.js';

interface RefChat {
  chatKey: ChatKey;
  messages: InboundMessage[];
  pushedAt: number[];
  lastAt: number;
  seq: number;
}

/**
 * The reference: the cost of the harness itself. One async function per message that only groups messages
 * per chat and releases them on the same policy (debounce, maxBatch) to the same recording handler, with the
 * least bookkeeping that can: no validation, dedupe, hooks, metrics, history, sessions or concurrency limit,
 * and one timer for all chats instead of one per chat. Since every chat has the same debounce, due times
 * (last push + debounceMs) come in push order, so a FIFO of (chat, due) drained by that single timer is
 * enough. maxWaitMs is not applied: a burst is pushed within one wave, far shorter than it.
 */
export class ReferencePipeline {
  private readonly chats = new Map<ChatKey, RefChat>();
  private dueChats: RefChat[] = [];
  private dueTimes: number[] = [];
  private head = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly policy: BufferPolicy,
    private readonly handler: (batch: Batch) => void,
  ) {}

  async ingest(message: InboundMessage): Promise<{ outcome: 'buffer'; seq: number }> {
    let chat = this.chats.get(message.chatKey);
    if (!chat) {
      chat = { chatKey: message.chatKey, messages: [], pushedAt: [], lastAt: 0, seq: 0 };
      this.chats.set(message.chatKey, chat);
    }
    const now = Date.now();
    const seq = ++chat.seq;
    chat.messages.push(message);
    chat.pushedAt.push(now);
    chat.lastAt = now;
    if (chat.messages.length >= this.policy.maxBatch) {
      this.release(chat, 'maxBatch', now);
    } else {
      this.dueChats.push(chat);
      this.dueTimes.push(now + this.policy.debounceMs);
      this.timer ??= setTimeout(() => this.onTimer(), this.policy.debounceMs);
    }
    return { outcome: 'buffer', seq };
  }

  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private onTimer(): void {
    this.timer = undefined;
    const now = Date.now();
    // Same 1 ms tolerance as the memory driver (Node may fire a timer up to 1 ms early).
    while (this.head < this.dueTimes.length && this.dueTimes[this.head]! - now <= 1) {
      const chat = this.dueChats[this.head]!;
      const due = this.dueTimes[this.head]!;
      this.head++;
      // A later entry of the same chat (a newer push) or an earlier release makes this one stale.
      if (chat.messages.length > 0 && chat.lastAt + this.policy.debounceMs <= due) this.release(chat, 'idle', now);
    }
    if (this.head === this.dueTimes.length) {
      this.dueChats = [];
      this.dueTimes = [];
      this.head = 0;
    } else {
      this.timer = setTimeout(() => this.onTimer(), Math.max(0, this.dueTimes[this.head]! - now));
    }
  }

  private release(chat: RefChat, reason: 'idle' | 'maxBatch', now: number): void {
    const messages = chat.messages;
    const batch: Batch = {
      chatKey: chat.chatKey,
      lane: 'buffered',
      firstSeq: chat.seq - messages.length + 1,
      lastSeq: chat.seq,
      messages,
      reason,
      releasedAt: now,
      pushedAt: chat.pushedAt,
    };
    chat.messages = [];
    chat.pushedAt = [];
    this.handler(batch);
  }
}
